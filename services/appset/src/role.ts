import { readFile } from 'node:fs/promises';
import {
  APPLICATION_SET,
  GROUP,
  VERSION,
  type Application,
  type ApplicationSet,
} from '@flotilla/api';
import { busProblem, connectBus, createPublisher, provisionBus, startWorker } from '@flotilla/bus';
import { generatorRepos, isRollingSync, rawMeta } from '@flotilla/appset';
import { SCM_CHANGED_SUBJECT, decodeScmChanged } from '@flotilla/contracts';
import { GitClient, credentialFromSecret, normalizeRepoUrl } from '@flotilla/git';
import { appNamespaceFilter, isAppNamespaceEnabled, servesOtherNamespaces } from '@flotilla/gitops';
import {
  ApplicationClient,
  ProjectClient,
  RepoAccessStore,
  customResourceInformer,
  loadKubeConfig,
  namespaceFilteredInformer,
  projectView,
} from '@flotilla/kube';
import type { Role } from '@flotilla/runtime';
import { provisionGoTemplate } from '@flotilla/toolchain';
import { LazyTemplates } from './go-engine.js';
import { compileAppSetOptions } from './options.js';
import { AppSetReconciler } from './reconcile.js';
import { GitTrees, listClusters, readConfigMapKey, readSecret } from './sources.js';

type Ref = { namespace: string; name: string };
const refOf = (o: { metadata?: { namespace?: string; name?: string } }): Ref => ({
  namespace: o.metadata?.namespace ?? '',
  name: o.metadata?.name ?? '',
});

/**
 * The appset role: turns each ApplicationSet into the Applications its
 * generators and template describe. A change to a set, to an Application it
 * owns, a generator's requeue interval or the periodic resync publishes an
 * `appset` command; any replica takes it and reconciles the whole set.
 */
export const appsetRole: Role = {
  name: 'appset',
  async start({ logger, config, env }) {
    const options = compileAppSetOptions(env, config);
    // The namespaces whose sets are reconciled: the control namespace, and those
    // FLOTILLA_APPLICATIONSET_NAMESPACES names (Argo CD's applicationset namespaces).
    const setScope = {
      namespace: config.namespace,
      applicationNamespaces: options.applicationSetNamespaces,
    };
    const setServed = appNamespaceFilter(setScope);
    const nc = await connectBus({
      servers: config.natsUrl,
      name: 'appset',
      logger,
      security: config.natsSecurity,
    });
    await provisionBus(nc, { ackWaitMs: config.workAckWaitMs });
    const bus = createPublisher(nc);
    const kc = loadKubeConfig(config.kubeconfig);
    // Private repositories are read with the repository Secrets the renderer uses,
    // watched: a new or edited Secret counts from the next reconcile.
    const access = await RepoAccessStore.start({
      kc,
      namespace: config.namespace,
      parse: credentialFromSecret,
      logger,
    });
    const gitClient = new GitClient({
      cacheDir: options.repoCacheDir,
      allowLocal: options.allowLocalRepos,
      credentials: () => access.credentials(),
    });
    const git = new GitTrees(gitClient);
    const templates = new LazyTemplates(
      async () =>
        options.goTemplatePath ??
        provisionGoTemplate({
          cacheDir: config.cacheDir,
          env,
          log: (msg) => logger.info(msg),
        }),
    );
    const reconciler = new AppSetReconciler({
      kc,
      templates,
      maxApplications: options.maxApplications,
      clusters: () => listClusters(kc, config.namespace),
      gitTree: (url, rev) => git.tree(url, rev),
      refs: (url) => gitClient.lsRemote(url),
      // The pullRequest generator's tokens and CAs, from the set's namespace.
      secret: (ns, name) => readSecret(kc, ns, name, options.scmTokenRefStrict),
      configMapKey: (ns, name, key) => readConfigMapKey(kc, ns, name, key),
      // A set may only generate Applications the roles serve (its own namespace's).
      appNamespaceServed: (ns) => isAppNamespaceEnabled(config, ns),
      // Sets of other namespaces read Git only for what their project allows.
      projects: {
        namespace: config.namespace,
        get: async (name) => {
          const p = await new ProjectClient(kc).get(config.namespace, name);
          return p && projectView(p);
        },
      },
      scmTimeoutMs: options.scmTimeoutMs,
      ...(options.scmRootCaPath
        ? { scmRootCa: await readFile(options.scmRootCaPath, 'utf8') }
        : {}),
    });
    const timers = new Map<string, NodeJS.Timeout>();
    const ask = (ref: Ref, reason: string, msgId?: string) =>
      void bus
        .command({ version: 1, kind: 'appset', app: ref, reason }, msgId ? { msgId } : undefined)
        .catch((err: Error) => logger.warn({ err: err.message, set: ref }, 'could not publish'));
    const later = (ref: Ref, seconds: number) => {
      const key = `${ref.namespace}/${ref.name}`;
      clearTimeout(timers.get(key));
      timers.set(
        key,
        setTimeout(() => {
          timers.delete(key);
          ask(ref, `requeueAfterSeconds (${seconds}) passed`);
        }, seconds * 1000),
      );
    };

    // One reconcile of a set at a time in this replica (a RollingSync's status
    // write is conditional, so replicas do not start the same step twice either).
    const running = new Map<string, Promise<unknown>>();
    const serial = <T>(key: string, f: () => Promise<T>): Promise<T> => {
      const next = (running.get(key) ?? Promise.resolve()).catch(() => undefined).then(f);
      running.set(key, next);
      void next
        .finally(() => {
          if (running.get(key) === next) running.delete(key);
        })
        .catch(() => undefined);
      return next;
    };
    const worker = startWorker({
      nc,
      ackWaitMs: config.workAckWaitMs,
      kind: 'appset',
      logger,
      concurrency: options.concurrency,
      handler: async (cmd) => {
        if (!setServed(cmd.app.namespace)) return;
        const r = await serial(`${cmd.app.namespace}/${cmd.app.name}`, () =>
          reconciler.reconcile(cmd.app),
        );
        if (!r) return;
        if (r.created + r.updated + r.deleted > 0)
          logger.info(
            { set: cmd.app, created: r.created, updated: r.updated, deleted: r.deleted },
            'applicationset reconciled',
          );
        if (r.requeueAfterSeconds !== undefined) later(cmd.app, r.requeueAfterSeconds);
      },
    });

    const setType = { group: GROUP, version: VERSION, plural: APPLICATION_SET.plural };
    type Set = ApplicationSet & { metadata: object };
    const sets = servesOtherNamespaces(setScope)
      ? namespaceFilteredInformer(customResourceInformer<Set>(kc, setType, undefined), setServed)
      : customResourceInformer<Set>(kc, setType, config.namespace);
    // The Applications of those namespaces: a change to one a set owns brings the set back.
    const apps = new ApplicationClient(kc).informer(setScope);
    let stopping = false;
    for (const inf of [sets, apps] as {
      on: (e: string, f: (...a: unknown[]) => void) => void;
      start: () => Promise<void>;
    }[]) {
      inf.on('error', () => {
        if (!stopping) setTimeout(() => void inf.start().catch(() => undefined), 2_000);
      });
    }
    const onSet = (s: unknown) => {
      const set = s as ApplicationSet;
      ask(
        refOf(set),
        'ApplicationSet changed',
        `set-${String(rawMeta(set)['uid'])}-${String(rawMeta(set)['generation'])}`,
      );
    };
    sets.on('add', onSet);
    sets.on('update', onSet);
    // An owned Application's spec changed (its generation) or it went away: its
    // set puts it back as it wants it. Status writes (no new generation) are
    // one command per generation, which JetStream keeps once.
    const onApp = (gone: boolean) => (a: unknown) => {
      const app = a as Application;
      const meta = rawMeta(app);
      const owner = (
        (meta['ownerReferences'] as { kind?: string; name?: string }[] | undefined) ?? []
      ).find((r) => r.kind === APPLICATION_SET.kind);
      if (!owner?.name) return;
      const ns = app.metadata.namespace ?? '';
      // A RollingSync set follows its apps' sync and health: every status write counts.
      const set = sets.get(owner.name, ns);
      const rolling = !gone && set !== undefined && isRollingSync(set);
      ask(
        { namespace: ns, name: owner.name },
        `Application ${app.metadata.name ?? ''} ${gone ? 'deleted' : 'changed'}`,
        `app-${String(meta['uid'])}-${
          gone
            ? 'deleted'
            : rolling
              ? `rv-${String(meta['resourceVersion'])}`
              : String(meta['generation'])
        }`,
      );
    };
    apps.on('delete', onApp(true));
    apps.on('update', onApp(false));
    await sets.start();
    await apps.start();
    // A push or pull request webhook (passed on by the git-poller) runs the
    // generators of every set that reads that repository at once.
    const scm = nc.subscribe(SCM_CHANGED_SUBJECT, {
      callback: (err, msg) => {
        if (err || stopping) return;
        const change = decodeScmChanged(msg.data);
        if (!change) return;
        const urls = new Set(change.repoUrls.map(normalizeRepoUrl));
        for (const s of sets.list()) {
          const reads = generatorRepos(s.spec?.generators ?? []).map(normalizeRepoUrl);
          if (!reads.some((u) => urls.has(u))) continue;
          const ref = refOf(s);
          ask(
            ref,
            `${change.event === 'push' ? 'push' : `pull request${change.number ? ` #${change.number}` : ''}${change.action ? ` ${change.action}` : ''}`} webhook`,
            `scm-${change.id}-${ref.namespace}-${ref.name}`,
          );
        }
      },
    });
    // A new or edited repository Secret may let a set's Git generator read its
    // repository: every set is generated again (replicas seeing the same change
    // send the same message id, which JetStream keeps once).
    const unwatchAccess = access.onChange((change) => {
      if (change.added.length === 0) return;
      for (const s of sets.list()) {
        const ref = refOf(s);
        ask(
          ref,
          'repository credentials changed',
          `appset-creds-${ref.namespace}-${ref.name}-${change.version}`,
        );
      }
    });
    const resync = setInterval(() => {
      const turn = Math.floor(Date.now() / options.resyncMs);
      for (const s of sets.list()) {
        const ref = refOf(s);
        ask(ref, 'periodic resync', `appset-resync-${ref.namespace}-${ref.name}-${turn}`);
      }
    }, options.resyncMs);

    return {
      problem: () => busProblem(nc),
      work: worker.stats,
      async stop() {
        stopping = true;
        scm.unsubscribe();
        clearInterval(resync);
        unwatchAccess();
        for (const t of timers.values()) clearTimeout(t);
        await sets.stop();
        await apps.stop();
        await worker.stop();
        templates.close();
        await access.stop();
        await nc.drain();
      },
    };
  },
};
