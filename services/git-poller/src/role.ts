import { inSpan, SpanAttr } from '@flotilla/runtime';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { Application } from '@flotilla/api';
import { connectRole, createPublisher, provisionBus } from '@flotilla/bus';
import { SCM_CHANGED_SUBJECT, type ScmChanged } from '@flotilla/contracts';
import {
  GitClient,
  Poller,
  appsForChartPush,
  appsForPush,
  createRegistryWebhookHandler,
  createWebhookHandler,
  credentialFromSecret,
  listingKeys,
  matchChartCredential,
  matchCredential,
  redisResolvedStore,
  sharedChartVersions,
  sharedRefs,
  type PolledApp,
} from '@flotilla/git';
import { projectNameOf, sourceDenials } from '@flotilla/gitops';
import {
  ApplicationClient,
  ProjectStore,
  RepoAccessStore,
  loadKubeConfig,
  resourceVersionOf,
} from '@flotilla/kube';
import { ChartClient } from '@flotilla/render';
import type { Role } from '@flotilla/runtime';
import { appKey, type AppRef } from '@flotilla/contracts';
import { PolledViews } from './changes.js';
import { chartWatch, listChart } from './charts.js';
import { clearRefresh, toPolledApp } from './apps.js';
import { freshBatcher, manualSyncWatch } from './fresh.js';
import { compileGitPollerOptions } from './options.js';
import { decisionPublisher } from './publish.js';

function appRefOf(a: Application): AppRef | undefined {
  const { name, namespace } = a.metadata ?? {};
  return name && namespace ? { namespace, name } : undefined;
}

/**
 * The git-poller role: resolves each Application source's targetRevision to a
 * commit SHA on a timer (one refs listing per repository per interval), on
 * push webhooks, refresh requests and manual syncs (asking the remote
 * again), and asks the renderer to render when the result changes.
 */
export const gitPollerRole: Role = {
  name: 'git-poller',
  async start({ logger, config, env }) {
    const options = compileGitPollerOptions(env, config);
    const conn = await connectRole('git-poller', config, logger);
    const { nc, redis } = conn;
    await provisionBus(nc, { ackWaitMs: config.workAckWaitMs });
    const kc = loadKubeConfig(config.kubeconfig);
    // Repository Secrets and trusted CA certificates (a registry with a private CA),
    // watched: a round reads them from memory, and a new or edited Secret counts from
    // the next listing.
    const access = await RepoAccessStore.start({
      kc,
      namespace: config.namespace,
      parse: credentialFromSecret,
      certificates: true,
      logger,
    });
    // Chart sources at a constraint are listed (index.yaml, OCI tags), never pulled.
    const charts = new ChartClient({
      cacheDir: options.chartCacheDir,
      credentials: () => access.credentials(),
      trustedCerts: () => access.trustedCerts(),
    });
    const watch = chartWatch(charts);
    const git = new GitClient({
      cacheDir: options.repoCacheDir,
      allowLocal: options.allowLocalRepos,
      credentials: () => access.credentials(),
    });
    const informer = new ApplicationClient(kc).informer(config);
    // An app whose project refuses its repositories (or that names no project) is
    // never polled: its repositories see no request from Flotilla.
    const projects = await ProjectStore.start({ kc, namespace: config.namespace, logger });
    const permitted = (a: Application) =>
      sourceDenials(projects.get(projectNameOf(a)), a, config.namespace).length === 0;
    const apps = () => {
      const m = new Map<string, PolledApp>();
      for (const a of informer.list()) {
        if (!permitted(a)) continue;
        const p = toPolledApp(a);
        if (p) m.set(`${p.ref.namespace}/${p.ref.name}`, p);
      }
      return m;
    };
    const store = redisResolvedStore(redis);
    // One app's view, not a map of all of them per decision (O(N²) for N new apps).
    const publish = decisionPublisher(
      createPublisher(nc),
      (ref) => {
        const a = informer.get(ref.name, ref.namespace);
        return a ? toPolledApp(a) : undefined;
      },
      (ref) => resourceVersionOf(informer.get(ref.name, ref.namespace)),
    );
    const replicaId = randomUUID();
    const poller = new Poller({
      refs: sharedRefs(redis, replicaId, (url) => git.lsRemote(url)),
      charts: {
        watch,
        versions: sharedChartVersions(redis, replicaId, (s) => listChart(charts, s)),
      },
      store,
      publish: async (d) => {
        await publish(d);
        // A refresh is a one-shot request, as in Argo CD: clear the annotation once honoured.
        if (d.refresh)
          await clearRefresh(kc, d.app, d.revisions).catch((err: Error) =>
            logger.warn({ err: err.message }, 'could not clear refresh annotation'),
          );
      },
      logger,
    });
    const round = async (subset?: PolledApp[], fresh = false) => {
      const report = await poller.round(subset ?? [...apps().values()], {
        intervalMs: options.intervalMs,
        fresh,
      });
      logger.debug(
        { repos: report.repos, renders: report.decisions.length, errors: report.errors.length },
        'poll round',
      );
    };

    // Timer rounds, with jitter so replicas and restarts spread out.
    let timer: NodeJS.Timeout | undefined;
    const schedule = () => {
      timer = setTimeout(
        () => {
          round()
            .catch((err: Error) => logger.error({ err: err.message }, 'poll round failed'))
            .finally(schedule);
        },
        options.intervalMs + Math.random() * options.jitterMs,
      );
    };
    // New or changed apps are looked at at once; status writes change nothing the
    // poller reads and start no round. A refresh (normal or hard) or a manual sync
    // asks the remote again: a push just before it must show.
    let stopping = false;
    const views = new PolledViews();
    const freshLooks = freshBatcher(
      (batch) => round(batch, true),
      (err) => logger.error({ err: err.message }, 'fresh round failed'),
    );
    // New and changed apps gather for a moment too, so a burst of them shares one
    // round (one Secrets read, one listing per repository) instead of one round each.
    const looks = freshBatcher(
      (batch) => round(batch),
      (err) => logger.error({ err: err.message }, 'app round failed'),
    );
    const newManualSync = manualSyncWatch();
    const onChange = (a: Application) => {
      if (stopping || !permitted(a)) return;
      const p = toPolledApp(a);
      if (!p) return;
      const changed = views.changed(p);
      if (newManualSync(a)) return freshLooks.add(p);
      if (!changed) return;
      if (p.refresh) return freshLooks.add(p);
      looks.add(p);
    };
    // A new Application (also one re-created under an old name) always gets a first resolution.
    const forget = (a: Application) => {
      const ref = appRefOf(a);
      if (!ref) return Promise.resolve();
      views.forget(ref);
      return store.delete(ref);
    };
    // Apps added together (the watch's first list, a burst of creates) are forgotten in
    // one Redis write, not one each.
    let added: Application[] = [];
    const flushAdded = () => {
      const batch = added;
      added = [];
      const refs = batch.map(appRefOf).filter((r): r is AppRef => r !== undefined);
      refs.forEach((ref) => views.forget(ref));
      store
        .deleteMany(refs)
        .catch((err: Error) => logger.warn({ err: err.message }, 'could not reset app state'))
        .finally(() => batch.forEach(onChange));
    };
    informer.on('add', (a) => {
      if (added.push(a) === 1) setImmediate(flushAdded);
    });
    informer.on('update', onChange);
    informer.on('delete', (a) => void forget(a).catch(() => undefined));
    informer.on('error', (err) => {
      if (stopping) return;
      logger.warn({ err: String(err) }, 'application watch failed; restarting in 2 s');
      setTimeout(() => void informer.start().catch(() => undefined), 2_000);
    });
    await informer.start();
    // A project edit may allow apps it refused: they are looked at at once.
    projects.onChange((name) => {
      const subset = informer
        .list()
        .filter((a) => projectNameOf(a) === name && permitted(a))
        .map(toPolledApp)
        .filter((p): p is PolledApp => p !== undefined);
      if (subset.length === 0) return;
      round(subset).catch((err: Error) =>
        logger.error({ err: err.message }, 'project round failed'),
      );
    });
    // A new or edited repository Secret is tried at once on the apps it serves: their
    // repositories are listed again (the interval's shared listing may still hold the
    // failure) and they are rendered again, for a chart repository or a fetch that
    // failed where the listing did not. Replicas seeing the same change send the
    // same message id, which JetStream keeps once.
    const commands = createPublisher(nc);
    const unwatchAccess = access.onChange((change) => {
      if (stopping || change.added.length === 0) return;
      for (const p of apps().values()) {
        const served = p.sources.some(
          (s) =>
            matchCredential(s.repoURL, change.added) ??
            matchChartCredential(s.repoURL, change.added),
        );
        if (!served) continue;
        freshLooks.add(p);
        commands
          .command(
            { version: 1, kind: 'render', app: p.ref, reason: 'repository credentials changed' },
            { msgId: `render-creds-${change.version}-${appKey(p.ref)}` },
          )
          .catch((err: Error) => logger.warn({ err: err.message }, 'could not publish'));
      }
    });
    schedule();

    // Every verified push or pull request is passed on to roles that read
    // repositories themselves (the appset role's generators).
    const announce = (change: Omit<ScmChanged, 'version' | 'id'>) =>
      nc.publish(
        SCM_CHANGED_SUBJECT,
        JSON.stringify({ version: 1, id: randomUUID(), ...change } satisfies ScmChanged),
      );
    const handler = createWebhookHandler({
      secrets: options.webhookSecrets,
      maxBodyBytes: options.maxWebhookBytes,
      logger,
      onPullRequest: (pr) => {
        announce({
          event: 'pullRequest',
          repoUrls: pr.repoUrls.slice(0, 16),
          ...(pr.number !== undefined ? { number: pr.number } : {}),
          ...(pr.action ? { action: String(pr.action).slice(0, 128) } : {}),
        });
        return Promise.resolve(0);
      },
      onPush: async (push) => {
        announce({ event: 'push', repoUrls: push.repoUrls.slice(0, 16) });
        const matched = appsForPush([...apps().values()], push);
        if (matched.length === 0) return 0;
        const repos = new Set(matched.flatMap((a) => listingKeys(a, watch)));
        const changedFiles = push.changedFiles
          ? new Map([...repos].map((r) => [r, push.changedFiles!]))
          : undefined;
        // The push starts the trace of every change it brings: each app's
        // `git-poller.commit` span is a child of this one.
        return inSpan(
          'git-poller.webhook',
          {
            parent: null,
            attributes: { [SpanAttr.role]: 'git-poller', [SpanAttr.reason]: 'push webhook' },
          },
          async (span) => {
            const report = await poller.round(matched, {
              intervalMs: options.intervalMs,
              fresh: true,
              repos,
              ...(changedFiles ? { changedFiles } : {}),
            });
            span.setAttribute(SpanAttr.result, `${report.decisions.length} render(s) requested`);
            return report.decisions.length;
          },
        );
      },
    });
    // A registry's push notification looks at the apps reading the pushed repository at once.
    const registryHandler = createRegistryWebhookHandler({
      ...(options.registryWebhookSecret ? { secret: options.registryWebhookSecret } : {}),
      allowUnsigned: options.webhookSecrets.allowUnsigned ?? false,
      maxBodyBytes: options.maxWebhookBytes,
      logger,
      onPush: async (pushes) => {
        const all = [...apps().values()];
        const matched = [...new Set(pushes.flatMap((p) => appsForChartPush(all, p, watch)))];
        if (matched.length === 0) return 0;
        const report = await poller.round(matched, {
          intervalMs: options.intervalMs,
          fresh: true,
          repos: new Set(matched.flatMap((a) => listingKeys(a, watch))),
        });
        return report.decisions.length;
      },
    });
    const server = createServer((req, res) => {
      const path = req.url?.split('?')[0];
      if (path === '/api/webhook') return handler(req, res);
      if (path === '/api/webhook/registry') return registryHandler(req, res);
      res.writeHead(404).end();
    });
    const [host, port] = options.webhookAddr.split(':');
    await new Promise<void>((resolve) => server.listen(Number(port), host || '0.0.0.0', resolve));
    const addr = server.address();
    logger.info(
      {
        webhook:
          typeof addr === 'object' && addr ? `${addr.address}:${addr.port}/api/webhook` : addr,
      },
      'webhook listening',
    );

    return {
      problem: conn.problem,
      /** Port the webhook listens on (for tests). */
      port: typeof addr === 'object' && addr ? addr.port : 0,
      async stop() {
        stopping = true;
        if (timer) clearTimeout(timer);
        freshLooks.stop();
        looks.stop();
        unwatchAccess();
        await informer.stop();
        await access.stop();
        await projects.stop();
        server.closeAllConnections();
        await new Promise<void>((r) => server.close(() => r()));
        await conn.close();
      },
    };
  },
};
