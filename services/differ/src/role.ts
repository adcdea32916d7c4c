import { failSpan, inSpan, SpanAttr } from '@flotilla/runtime';
import { connectRole, createPublisher, provisionBus, startWorker } from '@flotilla/bus';
import type { Application } from '@flotilla/api';
import { appKey } from '@flotilla/contracts';
import { appNamespaceFilter, projectNameOf, sourceDenials } from '@flotilla/gitops';
import { watchApplications, ProjectStore, loadKubeConfig, watchHealthConfig } from '@flotilla/kube';
import { AppliedMarks, ClusterReports, DesiredStore } from '@flotilla/render';
import { appMetrics, registerAppSource, type Role } from '@flotilla/runtime';
import { appMetricRow } from './app-metrics.js';
import { actOnAutoSync, selfHealCounter } from './autosync.js';
import { differClusters } from './clusters.js';
import { publishChanges, publishDenials, publishWindowBlock } from './events.js';
import { compileDifferOptions } from './options.js';
import { Reconciler } from './reconcile.js';
import { lastLookedAt, startResync } from './resync.js';

/**
 * The differ role: compares each app's desired state with live state from a
 * watch cache, assesses health, writes sync/health/resources/conditions, and
 * publishes what changed. Drift is noticed from watch events.
 */
export const differRole: Role = {
  name: 'differ',
  async start({ logger, config, env }) {
    const options = compileDifferOptions(env);
    const conn = await connectRole('differ', config, logger);
    const { nc, redis } = conn;
    await provisionBus(nc, { ackWaitMs: config.workAckWaitMs });
    const bus = createPublisher(nc);
    const kc = loadKubeConfig(config.kubeconfig);
    const applied = new AppliedMarks(redis);
    // Each cluster's cache size, reachability and last error, for `flotilla cluster`:
    // written every clusterReportMs, and at once when a cluster stops or starts answering.
    const reports = new ClusterReports(redis, config.namespace);
    const report = () =>
      void reports
        .write(clusters.reports(options.clusterReportMs))
        .catch((err: Error) =>
          logger.warn({ err: err.message }, 'could not write cluster reports'),
        );
    const clusters = differClusters({
      kc,
      namespace: config.namespace,
      servesApp: appNamespaceFilter(config),
      bus,
      logger,
      driftDebounceMs: options.driftDebounceMs,
      applied,
      reachabilityChanged: report,
    });
    const reporting = setInterval(report, options.clusterReportMs);
    reporting.unref();
    // Loaded before the first comparison, so none runs without the user's checks;
    // when they change, every app is compared (and so its health assessed) again.
    let healthChanged = (_digest: string): void => undefined;
    const health = await watchHealthConfig({
      kc,
      namespace: config.namespace,
      logger,
      changed: (digest) => healthChanged(digest),
    });
    // Projects are loaded before the first comparison, so no app is compared unchecked;
    // an edit re-evaluates every app of that project at once. The differ alone creates
    // the `default` project when it is missing; the other roles wait for it.
    const projects = await ProjectStore.start({
      kc,
      namespace: config.namespace,
      logger,
      ensureDefault: true,
    });
    const counter = selfHealCounter(redis);
    // Comparisons read Applications from this watch, not one GET each.
    const apps = await watchApplications(kc, config);
    const { informer, view } = apps;
    const reconciler = new Reconciler({
      readApp: (ref, min) => apps.read(ref, min),
      wrote: (ref, app) => view.wrote(ref, app),
      kc,
      clusterFor: (app) => clusters.clusterFor(app),
      resolveCluster: (app) => clusters.resolve(app),
      project: (name) => projects.get(name),
      controlNamespace: config.namespace,
      desired: new DesiredStore(redis),
      applied,
      health: health.assessor,
      selfHealAttempts: (app, revision) => counter.get(app, revision),
    });
    const timers = new Set<NodeJS.Timeout>();
    const later = (app: { namespace: string; name: string }, delayMs: number) => {
      const t = setTimeout(() => {
        timers.delete(t);
        bus
          .command({ version: 1, kind: 'diff', app, reason: 'self-heal backoff passed' })
          .catch(() => undefined);
      }, delayMs);
      timers.add(t);
    };

    // When this replica last compared each app (`namespace/name`), for the resync.
    const comparedAt = new Map<string, number>();
    const worker = startWorker({
      nc,
      ackWaitMs: config.workAckWaitMs,
      kind: 'diff',
      logger,
      concurrency: options.concurrency,
      handler: (cmd, ctx) =>
        inSpan(
          'differ.compare',
          {
            parent: ctx.traceparent ?? null,
            attributes: {
              [SpanAttr.role]: 'differ',
              [SpanAttr.app]: `${cmd.app.namespace}/${cmd.app.name}`,
              [SpanAttr.reason]: cmd.reason,
            },
          },
          async (span) => {
            const started = performance.now();
            const r = await reconciler.reconcile(cmd.app, cmd.appResourceVersion);
            if (r) comparedAt.set(appKey(cmd.app), Date.now());
            else comparedAt.delete(appKey(cmd.app));
            if (r) {
              const sync = r.status.sync;
              const revision = sync?.revision ?? sync?.revisions?.join(',');
              span.setAttributes({
                ...(revision ? { [SpanAttr.revision]: revision } : {}),
                [SpanAttr.result]: `${sync?.status ?? 'Unknown'}/${r.status.health?.status ?? 'Unknown'}`,
                'flotilla.autosync': Boolean(r.autoSync?.sync),
              });
              // A comparison that could not be made (render failed, project refused...) is a failure.
              const error = r.status.conditions?.find((c) => c.type.endsWith('Error'));
              if (error) failSpan(span, `${error.type}: ${error.message}`);
            } else span.setAttribute(SpanAttr.result, 'app gone');
            if (r)
              appMetrics.reconcileSeconds.observe(
                {
                  dest_server:
                    r.app.spec?.destination?.server ?? r.app.spec?.destination?.name ?? '',
                },
                (performance.now() - started) / 1000,
              );
            if (!r) {
              clusters.forget(cmd.app);
              return;
            }
            if (r.needsRender) {
              await bus.command({
                version: 1,
                kind: 'render',
                app: cmd.app,
                reason: 'no desired state yet',
              });
            }
            // The automated sync need not wait for the events of the comparison that decided it.
            await Promise.all([
              r.changed ? publishChanges(bus, cmd.app, r) : undefined,
              r.changed && r.denials ? publishDenials(bus, cmd.app, r.denials) : undefined,
              r.changed && r.window ? publishWindowBlock(bus, cmd.app, r.window, false) : undefined,
              r.autoSync &&
                actOnAutoSync({
                  bus,
                  logger,
                  counter,
                  app: cmd.app,
                  resourceVersion: r.resourceVersion,
                  lastOperationStartedAt: r.previous?.operationState?.startedAt,
                  revision: r.status.sync?.revision ?? r.status.sync?.revisions?.[0] ?? '',
                  decision: r.autoSync,
                  later,
                }),
            ]);
          },
        ),
    });

    // Safety net: every app is compared again on a timer, each at its own moment of the
    // interval, once per turn across replicas.
    // An app its project refuses before any Git work is never rendered, so no render
    // asks for its comparison: it is asked for here, when the app appears or its spec
    // changes, and the comparison writes the InvalidSpecError.
    const seenGeneration = new Map<string, unknown>();
    const refusedAtTheDoor = (a: Application) => {
      const app = { namespace: a.metadata?.namespace ?? '', name: a.metadata?.name ?? '' };
      const k = `${app.namespace}/${app.name}`;
      const generation = (a.metadata as { generation?: unknown } | undefined)?.generation;
      if (seenGeneration.has(k) && seenGeneration.get(k) === generation) return;
      seenGeneration.set(k, generation);
      if (sourceDenials(projects.get(projectNameOf(a)), a, config.namespace).length === 0) return;
      bus
        .command({ version: 1, kind: 'diff', app, reason: 'refused by its project' })
        .catch(() => undefined);
    };
    informer.on('add', refusedAtTheDoor);
    informer.on('update', refusedAtTheDoor);
    informer.on('delete', (a) =>
      seenGeneration.delete(`${a.metadata?.namespace ?? ''}/${a.metadata?.name ?? ''}`),
    );
    // The watch listed every app before the handlers above were added.
    for (const a of informer.list()) refusedAtTheDoor(a);
    // The per-app gauges read the informer when /metrics is scraped.
    const unregisterApps = registerAppSource(() => informer.list().map(appMetricRow));
    /** Asks for a comparison of every app; `msgId` makes replicas that decide the same publish once. */
    function compareAll(reason: string, msgId: string): void {
      for (const a of informer.list()) {
        const app = { namespace: a.metadata?.namespace ?? '', name: a.metadata?.name ?? '' };
        bus
          .command({ version: 1, kind: 'diff', app, reason }, { msgId: `${msgId}-${appKey(app)}` })
          .catch(() => undefined);
      }
    }
    healthChanged = (digest) => compareAll('health customizations changed', `health-${digest}`);
    projects.onChange((name) => {
      // A render too: the renderer refused a repository the project may now allow.
      for (const a of informer.list()) {
        if (projectNameOf(a) !== name) continue;
        const app = { namespace: a.metadata?.namespace ?? '', name: a.metadata?.name ?? '' };
        const reason = `project ${name} changed`;
        bus.command({ version: 1, kind: 'render', app, reason }).catch(() => undefined);
        bus.command({ version: 1, kind: 'diff', app, reason }).catch(() => undefined);
      }
    });
    const stopResync = startResync({
      intervalMs: options.resyncMs,
      apps: () =>
        informer.list().map((a) => {
          const app = { namespace: a.metadata?.namespace ?? '', name: a.metadata?.name ?? '' };
          return { ...app, lookedAt: lastLookedAt(a, comparedAt.get(appKey(app))) };
        }),
      due: (app, turn) =>
        void bus
          .command(
            { version: 1, kind: 'diff', app, reason: 'periodic resync' },
            { msgId: `resync-${appKey(app)}-${turn}` },
          )
          .catch(() => undefined),
    });

    return {
      problem: conn.problem,
      work: worker.stats,
      async stop() {
        unregisterApps();
        stopResync();
        clearInterval(reporting);
        for (const t of timers) clearTimeout(t);
        clusters.stop();
        await apps.stop();
        await projects.stop();
        await worker.stop();
        await health.stop();
        await conn.close();
      },
    };
  },
};
