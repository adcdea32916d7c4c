import { Redis } from 'ioredis';
import { connectBus, createPublisher, provisionBus, startWorker } from '@flotilla/bus';
import { createHealthAssessor } from '@flotilla/gitops';
import { ApplicationClient, loadKubeConfig } from '@flotilla/kube';
import { DesiredStore } from '@flotilla/render';
import type { Role } from '@flotilla/runtime';
import { actOnAutoSync, selfHealCounter } from './autosync.js';
import { differClusters } from './clusters.js';
import { publishChanges } from './events.js';
import { compileDifferOptions } from './options.js';
import { Reconciler } from './reconcile.js';

/**
 * The differ role: compares each app's desired state with live state from a
 * watch cache, assesses health, writes sync/health/resources/conditions, and
 * publishes what changed. Drift is noticed from watch events.
 */
export const differRole: Role = {
  name: 'differ',
  async start({ logger, config, env }) {
    const options = compileDifferOptions(env);
    const nc = await connectBus({ servers: config.natsUrl, name: 'differ', logger });
    await provisionBus(nc, { ackWaitMs: config.workAckWaitMs });
    const bus = createPublisher(nc);
    const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: 2 });
    redis.on('error', (err) => logger.warn({ err: err.message }, 'redis error'));
    const kc = loadKubeConfig(config.kubeconfig);
    const clusters = differClusters({
      kc,
      namespace: config.namespace,
      bus,
      logger,
      driftDebounceMs: options.driftDebounceMs,
    });
    const health = createHealthAssessor();
    const counter = selfHealCounter(redis);
    const reconciler = new Reconciler({
      kc,
      clusterFor: (app) => clusters.clusterFor(app),
      desired: new DesiredStore(redis),
      health: (obj) => health.assess(obj),
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

    const worker = startWorker({
      nc,
      ackWaitMs: config.workAckWaitMs,
      kind: 'diff',
      logger,
      concurrency: options.concurrency,
      handler: async (cmd) => {
        const r = await reconciler.reconcile(cmd.app);
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
        if (r.changed) await publishChanges(bus, cmd.app, r);
        if (r.autoSync) {
          await actOnAutoSync({
            kc,
            bus,
            logger,
            counter,
            app: cmd.app,
            resourceVersion: r.resourceVersion,
            revision: r.status.sync?.revision ?? r.status.sync?.revisions?.[0] ?? '',
            decision: r.autoSync,
            later,
          });
        }
      },
    });

    // Safety net: every app is compared again on a timer, once per bucket across replicas.
    const informer = new ApplicationClient(kc).informer(config.namespace);
    let stopping = false;
    informer.on('error', () => {
      if (!stopping) setTimeout(() => void informer.start().catch(() => undefined), 2_000);
    });
    await informer.start();
    const resync = setInterval(() => {
      const bucket = Math.floor(Date.now() / options.resyncMs);
      for (const a of informer.list()) {
        const app = { namespace: a.metadata?.namespace ?? '', name: a.metadata?.name ?? '' };
        bus
          .command(
            { version: 1, kind: 'diff', app, reason: 'periodic resync' },
            { msgId: `resync-${app.namespace}-${app.name}-${bucket}` },
          )
          .catch(() => undefined);
      }
    }, options.resyncMs);

    return {
      work: worker.stats,
      async stop() {
        stopping = true;
        clearInterval(resync);
        for (const t of timers) clearTimeout(t);
        clusters.stop();
        await informer.stop();
        await worker.stop();
        await health.close();
        await nc.drain();
        redis.disconnect();
      },
    };
  },
};
