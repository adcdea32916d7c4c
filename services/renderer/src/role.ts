import { failSpan, inSpan, metrics, SpanAttr } from '@flotilla/runtime';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { connectRole, createPublisher, provisionBus, startWorker } from '@flotilla/bus';
import { createEvent } from '@flotilla/contracts';
import { GitClient, stripCredentials } from '@flotilla/git';
import { deniedEventData, denialMessage, projectNameOf, sourceDenials } from '@flotilla/gitops';
import { ProjectStore, loadKubeConfig, watchApplications } from '@flotilla/kube';
import { ChartClient, DesiredStore, RedisManifestCache, Renderer } from '@flotilla/render';
import type { Role } from '@flotilla/runtime';
import { resolveTool } from '@flotilla/toolchain';

import { compileRendererOptions } from './options.js';
import { AppRenderer, operationSources } from './render-app.js';
import { watchRepoAccess } from './repo-access.js';

// The CLI renders an app the way the renderer does (`app diff` without Redis).
export { AppRenderer, sourcesOf } from './render-app.js';
export { watchRepoAccess, type RepoAccess } from './repo-access.js';

const SOURCE = '/flotilla/renderer';

/**
 * The renderer role: takes render commands, turns the Application's sources
 * into a canonical manifest set, stores it as the app's desired state, and
 * asks the differ to compare. A failed render is recorded next to the last
 * good set, which stays: nothing is pruned because of a broken chart.
 */
export const rendererRole: Role = {
  name: 'renderer',
  async start({ logger, config, env }) {
    const options = compileRendererOptions(env, config);
    await mkdir(join(options.workDir, 'tmp'), { recursive: true });
    const helm = await resolveTool('helm', {
      cacheDir: config.cacheDir,
      overrides: { helm: options.helmPath },
      path: env['PATH'],
    });
    const kubectl = await resolveTool('kubectl', {
      cacheDir: config.cacheDir,
      overrides: { kubectl: options.kubectlPath },
      path: env['PATH'],
    });
    const conn = await connectRole('renderer', config, logger);
    const { nc, redis } = conn;
    await provisionBus(nc, { ackWaitMs: config.workAckWaitMs });
    const bus = createPublisher(nc);
    const kc = loadKubeConfig(config.kubeconfig);
    const desired = new DesiredStore(redis);
    // One watched list of repository Secrets for Git, Helm repositories and OCI
    // registries, and the trusted certificates: an edit counts from the next render.
    const access = await watchRepoAccess(kc, config.namespace, logger);
    const git = new GitClient({
      cacheDir: options.repoCacheDir,
      allowLocal: options.allowLocalRepos,
      credentials: () => access.credentials(),
    });
    const charts = new ChartClient({
      cacheDir: options.chartCacheDir,
      credentials: () => access.credentials(),
      trustedCerts: () => access.trustedCerts(),
      maxArchiveBytes: options.maxChartArchiveBytes,
      maxChartBytes: options.maxChartBytes,
      maxCacheBytes: options.maxChartCacheBytes,
    });
    // Commit trees no render holds and repositories, unused for a day, leave the cache.
    const gc = setInterval(() => {
      git.gc(24 * 3600_000).then(
        (removed) =>
          removed.repositories + removed.trees > 0 &&
          logger.info(removed, 'removed unused repositories and trees from the cache'),
        (err: Error) => logger.warn({ err: err.message }, 'repository cache clean-up failed'),
      );
    }, 3600_000);
    gc.unref();
    const apps = new AppRenderer({
      git,
      renderer: new Renderer({
        helmPath: helm,
        kubectlPath: kubectl,
        timeoutMs: options.renderTimeoutMs,
        toolConcurrency: options.toolConcurrency,
        tmpDir: join(options.workDir, 'tmp'),
        cache: new RedisManifestCache({ client: redis, logger }),
        // The app memo already covers an unchanged app; a directory renders
        // in-process in less time than the cache's two round trips take.
        cacheDirectories: false,
        // An app of apps' children in Argo CD's namespace land in the one this renderer serves.
        convert: { namespace: config.namespace },
        logger,
        charts,
      }),
      charts,
      redis,
      memoTtlMs: options.memoTtlMs,
      toolKey: `${helm}|${kubectl}`,
    });
    // Renders read Applications from a watch, not one GET each.
    const watched = await watchApplications(kc, config);

    const projects = await ProjectStore.start({
      kc,
      namespace: config.namespace,
      logger,
    });

    const worker = startWorker({
      nc,
      ackWaitMs: config.workAckWaitMs,
      kind: 'render',
      logger,
      concurrency: options.concurrency,
      handler: (cmd, ctx) =>
        inSpan(
          'renderer.render',
          {
            parent: ctx.traceparent ?? null,
            attributes: {
              [SpanAttr.role]: 'renderer',
              [SpanAttr.app]: `${cmd.app.namespace}/${cmd.app.name}`,
              [SpanAttr.reason]: cmd.reason,
              ...(cmd.revisions ? { [SpanAttr.revision]: cmd.revisions.join(',') } : {}),
            },
          },
          async (span) => {
            const app = await watched.read(cmd.app, cmd.appResourceVersion);
            if (!app) {
              span.setAttribute(SpanAttr.result, 'app gone');
              return; // deleted since: nothing to render
            }
            // A render a sync operation asked for is stored apart under its
            // request: the app's desired state stays, and no diff follows.
            const op = cmd.operation;
            const marker = op ? { forOperation: true } : {};
            // The differ compares a copy of the app at least as new as the one rendered.
            const seen = (app.metadata as { resourceVersion?: string } | undefined)
              ?.resourceVersion;
            const appResourceVersion = seen ? { appResourceVersion: seen } : {};
            // The project is checked before any Git or Helm work, against the sources
            // this render would read (an operation's own, such as a rollback's).
            const repos = op ? op.sources.map((s) => String(s['repoURL'] ?? '')) : undefined;
            // A missing `default` is waited for (the differ creates it), not refused.
            const denials = sourceDenials(
              await projects.current(projectNameOf(app)),
              app,
              config.namespace,
              repos,
            );
            if (denials.length > 0) {
              const message = denialMessage(denials);
              span.setAttribute(SpanAttr.result, 'refused');
              failSpan(span, message);
              logger.warn({ app: cmd.app, err: message, ...marker }, 'render refused by project');
              for (const d of denials) {
                const data = deniedEventData(d, 'render');
                await bus.event(
                  'project.denied',
                  cmd.app,
                  createEvent('project.denied', cmd.app, data, { source: SOURCE }),
                );
              }
              // An operation learns why at once; the app's own desired state is left as it was
              // and the differ reports the refusal as an InvalidSpecError.
              if (op) await desired.setForOperation(cmd.app, op.request, { error: message });
              else
                await bus.command({
                  version: 1,
                  kind: 'diff',
                  app: cmd.app,
                  reason: 'render refused by project',
                  ...appResourceVersion,
                });
              return;
            }
            const started = Date.now();
            try {
              const r = await apps.render(
                app,
                cmd,
                op ? { sources: operationSources(op.sources), revisions: op.revisions } : undefined,
              );
              const state = {
                revisions: r.revisions,
                hash: r.hash,
                objects: r.objects,
                warnings: r.warnings,
                renderedAt: new Date().toISOString(),
              };
              if (op) await desired.setForOperation(cmd.app, op.request, state);
              else await desired.setRendered(cmd.app, state);
              const durationMs = Date.now() - started;
              span.setAttributes({
                [SpanAttr.revision]: r.revisions.join(','),
                [SpanAttr.result]: r.via,
                [SpanAttr.resources]: r.objects.length,
              });
              metrics.renders.inc({ result: 'completed' });
              logger.info(
                { app: cmd.app, via: r.via, resources: r.objects.length, durationMs, ...marker },
                'rendered',
              );
              await bus.event(
                'render.completed',
                cmd.app,
                createEvent(
                  'render.completed',
                  cmd.app,
                  {
                    revisions: r.revisions,
                    manifestsHash: r.hash,
                    resourceCount: r.objects.length,
                    cached: r.via !== 'rendered',
                    durationMs,
                    ...marker,
                  },
                  { source: SOURCE },
                ),
              );
              if (op) return;
              await bus.command({
                version: 1,
                kind: 'diff',
                app: cmd.app,
                reason: `rendered ${r.hash.slice(0, 19)}`,
                manifestsHash: r.hash,
                ...appResourceVersion,
              });
            } catch (err) {
              const message = stripCredentials((err as Error).message);
              span.setAttribute(SpanAttr.result, 'failed');
              failSpan(span, message);
              metrics.renders.inc({ result: 'failed' });
              logger.warn({ app: cmd.app, err: message, ...marker }, 'render failed');
              if (op) await desired.setForOperation(cmd.app, op.request, { error: message });
              else await desired.setError(cmd.app, message, cmd.revisions);
              await bus.event(
                'render.failed',
                cmd.app,
                createEvent(
                  'render.failed',
                  cmd.app,
                  { ...(cmd.revisions ? { revisions: cmd.revisions } : {}), message, ...marker },
                  { source: SOURCE },
                ),
              );
              if (op) return;
              await bus.command({
                version: 1,
                kind: 'diff',
                app: cmd.app,
                reason: 'render failed',
                ...appResourceVersion,
              });
            }
          },
        ),
    });

    return {
      problem: conn.problem,
      async stop() {
        clearInterval(gc);
        await worker.stop();
        await watched.stop();
        await access.stop();
        await projects.stop();
        await conn.close();
      },
    };
  },
};
