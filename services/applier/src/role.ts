import { failSpan, inSpan, SpanAttr } from '@flotilla/runtime';
import type { Application, Operation } from '@flotilla/api';
import { appNamespaceFilter, desiredHash, projectNameOf, type DiffObject } from '@flotilla/gitops';
import {
  LeaseManager,
  isWaiting,
  Outcomes,
  connectRole,
  createPublisher,
  provisionBus,
  startWorker,
} from '@flotilla/bus';
import { appKey, operationCommandId, type AppRef, type ResourceKey } from '@flotilla/contracts';
import {
  ClusterCache,
  ClusterConnections,
  ApplicationClient,
  type ConnectedCluster,
  ProjectStore,
  loadKubeConfig,
  resourceVersionAtLeast,
  watchHealthConfig,
  type KubernetesObject,
} from '@flotilla/kube';
import { AppliedMarks, DesiredStore } from '@flotilla/render';
import type { Role } from '@flotilla/runtime';
import { randomUUID } from 'node:crypto';
import { HookStore } from '@flotilla/sync-exec';
import { readApp } from './app-io.js';
import { isDeletionPending, runDeletion } from './deletion.js';
import { OperationArrivals } from './arrivals.js';
import { busHookDriver } from './hook-driver.js';
import { CommandFaults } from './faults.js';
import { ClusterHolds } from './holds.js';
import { errorOperation, runOperation } from './operation.js';
import { compileApplierOptions } from './options.js';
import type { TaskDeps } from './tasks.js';
import { projectGate, syncIdentity, windowCheck } from './project-gate.js';

/**
 * The applier role: runs sync operations (phases, waves, hooks, prune,
 * retries) one per app cluster-wide under a fenced lease. Operations come
 * from `Application.operation` (watched) and from `sync` commands.
 */
export const applierRole: Role = {
  name: 'applier',
  async start({ logger, config, env }) {
    const options = compileApplierOptions(env);
    const conn = await connectRole('applier', config, logger);
    const { nc, redis } = conn;
    await provisionBus(nc, { ackWaitMs: config.workAckWaitMs });
    const bus = createPublisher(nc);
    const leases = new LeaseManager(redis, { ttlMs: options.leaseTtlMs });
    const holder = `applier-${randomUUID()}`;
    const kc = loadKubeConfig(config.kubeconfig);
    const cache = new ClusterCache(kc, (err, kind) =>
      logger.warn({ err: err.message, kind }, 'watch trouble'),
    );
    // The same checks as the differ's, users' customizations included, so a
    // wave waits for what the app's health shows.
    const healthConfig = await watchHealthConfig({ kc, namespace: config.namespace, logger });
    const health = healthConfig.assessor;
    // Destination clusters: the own one shares `cache`, others get a cache each.
    const clusters = new ClusterConnections(kc, config.namespace, cache, (err, kind, cluster) =>
      logger.warn({ err: err.message, kind, cluster }, 'watch trouble'),
    );
    // The cluster a delivery writes to was resolved when it began; the check before the
    // first write resolves again and refuses any other answer, so a destination that could
    // not be resolved at first (and fell back to the own cache) never writes there.
    const destinationProblem =
      (using: ConnectedCluster) =>
      async (app: Application): Promise<string | undefined> => {
        try {
          const now = await clusters.forDestination(app.spec?.destination);
          return now.cache === using.cache
            ? undefined
            : 'the cluster this attempt began with is not the one the destination names now (its cluster Secret changed meanwhile); nothing was written';
        } catch (err) {
          return (err as Error).message;
        }
      };
    // Plans read the project from the apiserver, steps the watched copy; the
    // watch brings back deletions a project edit may now allow.
    const projects = await ProjectStore.start({ kc, namespace: config.namespace, logger });
    const windows = windowCheck({ project: (name, read) => projects.current(name, read) });
    const gate = projectGate({
      project: (name, read) => projects.current(name, read),
      controlNamespace: config.namespace,
      impersonation: options.syncImpersonation,
      cluster: async (app) => {
        try {
          const t = await clusters.forDestination(app.spec?.destination);
          return { server: t.server, name: t.name, project: t.project };
        } catch {
          return undefined;
        }
      },
    });
    const identity = syncIdentity({
      enabled: options.syncImpersonation,
      project: (name) => projects.get(name),
    });
    const desired = new DesiredStore(redis);
    const hookStore = new HookStore(redis);
    const marks = new AppliedMarks(redis);
    const faults = new CommandFaults(redis);
    const holds = new ClusterHolds(redis);

    // Terminate: the operation withdrawn from the Application while it runs.
    const terminations = new Map<string, AbortController>();
    /** Apps whose running operation its command carries (not `Application.operation`). */
    const carriedRuns = new Set<string>();
    const terminated = (ref: AppRef) => {
      const k = appKey(ref);
      let c = terminations.get(k);
      if (!c) terminations.set(k, (c = new AbortController()));
      return c.signal;
    };
    // Runs waiting on an Application (a prune confirmation) wake when it changes.
    const appWatchers = new Map<string, Set<() => void>>();
    const watchApp = (ref: AppRef, wake: () => void) => {
      const k = appKey(ref);
      const set = appWatchers.get(k) ?? new Set<() => void>();
      appWatchers.set(k, set.add(wake));
      return () => {
        set.delete(wake);
        if (set.size === 0 && appWatchers.get(k) === set) appWatchers.delete(k);
      };
    };
    const informer = new ApplicationClient(kc).informer(config);
    const served = appNamespaceFilter(config);
    // Every status write is an update: only an operation not yet picked up
    // becomes a command, and only when it arrives (a new generation: writing
    // `operation` moves it, status writes do not), so the applier's own
    // status writes send none; one already running is in a command's hands
    // (and is redelivered to another replica if this one dies). At start,
    // every pending operation is looked at once.
    const arrivals = new OperationArrivals();
    const onApp = (a: Application, initial: boolean) => {
      const ref = { namespace: a.metadata?.namespace ?? '', name: a.metadata?.name ?? '' };
      for (const wake of appWatchers.get(appKey(ref)) ?? []) wake();
      const deleting = isDeletionPending(a);
      if (deleting) {
        // Deleting under a finalizer the applier handles: that replaces any new operation.
        // One command per app version, however many replicas watch it.
        const version = (a.metadata as { resourceVersion?: string } | undefined)?.resourceVersion;
        bus
          .command(
            {
              version: 1,
              kind: 'sync',
              app: ref,
              reason: 'application deleted',
              trigger: 'deletion',
            },
            version ? { msgId: `deletion:${appKey(ref)}:${version}` } : {},
          )
          .catch((err: Error) => logger.warn({ err: err.message }, 'could not publish sync'));
      }
      const underway = terminations.get(appKey(ref));
      if (underway && a.status?.operationState?.phase === 'Terminating') {
        underway.abort(new Error('operation terminated'));
      }
      if (!a.operation) {
        arrivals.forget(ref);
        // The informer may lag behind a new operation already running: look again.
        // An operation its command carries is withdrawn only by the Terminating phase.
        if (underway && !carriedRuns.has(appKey(ref))) {
          readApp(kc, ref)
            .then((fresh) => {
              if (!fresh?.operation) underway.abort(new Error('operation withdrawn'));
            })
            .catch(() => undefined);
        }
        return;
      }
      if (deleting) return;
      const state = a.status?.operationState;
      const running =
        state?.phase === 'Running' &&
        JSON.stringify(state.operation) === JSON.stringify(a.operation);
      if (running && !initial) return;
      if (!arrivals.arrived(ref, a, initial)) return;
      // The same id as the differ's command for an automated sync written at this version.
      const version = (a.metadata as { resourceVersion?: string } | undefined)?.resourceVersion;
      bus
        .command(
          { version: 1, kind: 'sync', app: ref, reason: 'operation', trigger: 'operation' },
          version ? { msgId: operationCommandId(ref, version) } : {},
        )
        .catch((err: Error) => {
          // The next update of the app tries again.
          arrivals.forget(ref);
          logger.warn({ err: err.message }, 'could not publish sync');
        });
    };
    informer.on('add', (a) => onApp(a, true));
    informer.on('update', (a) => onApp(a, false));
    informer.on('delete', (a) =>
      arrivals.forget({ namespace: a.metadata?.namespace ?? '', name: a.metadata?.name ?? '' }),
    );
    let stopping = false;
    informer.on('error', () => {
      if (!stopping) setTimeout(() => void informer.start().catch(() => undefined), 2_000);
    });
    await informer.start();
    projects.onChange((name) => {
      for (const a of informer.list()) {
        if (projectNameOf(a) !== name || !isDeletionPending(a)) continue;
        const ref = { namespace: a.metadata?.namespace ?? '', name: a.metadata?.name ?? '' };
        bus
          .command({
            version: 1,
            kind: 'sync',
            app: ref,
            reason: `project ${name} changed`,
            trigger: 'deletion',
          })
          .catch((err: Error) => logger.warn({ err: err.message }, 'could not publish sync'));
      }
    });

    // A busy lease is mostly one about to be released: the run before has written its
    // final state and is clearing `operation`, and a new operation written on seeing that
    // state arrives meanwhile. Its release (a Redis message) is waited for a while before
    // the command goes back for the busy delay, so it runs at once, not 2 s later.
    const takeLease = async (key: string, stopping: AbortSignal) => {
      const lease = await leases.tryAcquire(key, holder);
      if (lease || options.leaseBusyWaitMs === 0) return lease;
      const waited = AbortSignal.any([stopping, AbortSignal.timeout(options.leaseBusyWaitMs)]);
      return leases.acquire(key, holder, { signal: waited }).catch(() => undefined);
    };

    const worker = startWorker({
      nc,
      ackWaitMs: config.workAckWaitMs,
      kind: 'sync',
      logger,
      concurrency: options.concurrency,
      source: '/flotilla/applier',
      handler: async (cmd, ctx) => {
        // An app of a namespace not served is not Flotilla's: nothing is written to it.
        if (!served(cmd.app.namespace)) {
          logger.warn({ app: cmd.app }, 'sync of an app in a namespace not served: ignored');
          return;
        }
        const lease = await takeLease(`sync:${appKey(cmd.app)}`, ctx.signal);
        if (!lease) return Outcomes.wait(options.leaseBusyDelayMs, 'operation runs elsewhere');
        const k = appKey(cmd.app);
        // Marked before the run can be aborted: an update seen meanwhile must not
        // take the missing `Application.operation` for a withdrawal.
        if (cmd.operation) carriedRuns.add(k);
        terminations.set(k, new AbortController());
        const beat = setInterval(() => ctx.working(), 5_000);
        // The watch's copy when it has reached the version the sender saw, else a read.
        const watched = informer.get(cmd.app.name, cmd.app.namespace);
        const current =
          cmd.appResourceVersion &&
          watched &&
          resourceVersionAtLeast(
            (watched.metadata as { resourceVersion?: string } | undefined)?.resourceVersion,
            cmd.appResourceVersion,
          )
            ? watched
            : await readApp(kc, cmd.app).catch(() => undefined);
        const carried = cmd.operation
          ? {
              operation: cmd.operation as Operation,
              lastOperationStartedAt: cmd.lastOperationStartedAt ?? '',
              ...(cmd.decidedAt ? { decidedAt: cmd.decidedAt } : {}),
            }
          : undefined;
        if (current?.operation) carriedRuns.delete(k);
        return inSpan(
          'applier.operation',
          {
            parent: ctx.traceparent ?? null,
            // A retry's backoff or a handed-over lease: the attempt's own end was recorded.
            notFailure: isWaiting,
            attributes: {
              [SpanAttr.role]: 'applier',
              [SpanAttr.app]: `${cmd.app.namespace}/${cmd.app.name}`,
              [SpanAttr.reason]: cmd.reason,
              ...(cmd.revision ? { [SpanAttr.revision]: cmd.revision } : {}),
            },
          },
          async (span) => {
            // An unknown destination falls back to the own cluster's cache only to
            // reach the check that ends the operation before anything is written.
            const cluster = await clusters
              .forDestination(current?.spec?.destination)
              .catch(() => clusters.own);
            const writer = identity(current, cluster);
            const deps = {
              kc,
              clusterKc: writer.kc,
              cache: cluster.cache,
              desired,
              bus,
              logger,
              terminated,
              watchApp,
              destinationProblem: destinationProblem(cluster),
              cluster: { name: cluster.name, server: cluster.server },
              watchedApp: (ref: AppRef) => informer.get(ref.name, ref.namespace),
              projectGate: gate,
              windowCheck: windows,
              applyParallelism: options.applyParallelism,
              clusterWaitMs: options.clusterWaitMs,
              holds,
              hooksFor: (app: AppRef, operationId: string) =>
                busHookDriver(
                  nc,
                  bus,
                  hookStore,
                  app,
                  operationId,
                  cluster.own ? undefined : { name: cluster.name, server: cluster.server },
                  writer.user,
                ),
              // What was applied, so the comparison that follows makes no dry run of it.
              applied: (key: ResourceKey, target: KubernetesObject, live: KubernetesObject) => {
                const rv = live.metadata?.resourceVersion;
                if (rv) void marks.mark(cluster.server, key, desiredHash(target as DiffObject), rv);
              },
              // The differ's dry runs, made with the destination's credentials (in-cluster, the
              // applier's rights cover the differ's): not reused when this sync impersonates.
              ...(writer.user
                ? {}
                : {
                    comparedDryRuns: (
                      objects: Parameters<NonNullable<TaskDeps['comparedDryRuns']>>[0],
                    ) =>
                      marks.dryRunsPassed(
                        cluster.server,
                        objects.map((o) => ({
                          key: o.key,
                          desiredHash: desiredHash(o.target as DiffObject),
                          resourceVersion: o.resourceVersion,
                        })),
                      ),
                  }),
              health: (o: KubernetesObject) =>
                health.assess(o as Parameters<typeof health.assess>[0]),
            };
            try {
              if (current && isDeletionPending(current)) {
                await runDeletion(deps, cmd.app, lease, ctx.signal);
              } else await runOperation(deps, cmd.app, lease, ctx.signal, current ?? null, carried);
            } catch (err) {
              // Stopping or losing the lease leaves the operation Running for the next holder.
              if (ctx.signal.aborted || lease.lost.aborted) {
                return Outcomes.wait(options.leaseBusyDelayMs, 'handed over');
              }
              if (isWaiting(err)) throw err;
              // Failed deliveries, not deliveries: a command held for its cluster (or
              // waiting for a backoff or a lease) came back many times without failing.
              const failures = await faults.add(k, ctx.sequence).catch(() => ctx.deliveryCount);
              if (failures >= options.faultAttempts) {
                const message = `operation failed: ${(err as Error).message}`;
                await errorOperation(deps, cmd.app, message, carried?.operation);
                await faults.clear(k, ctx.sequence).catch(() => undefined);
                return;
              }
              failSpan(span, (err as Error).message);
              return Outcomes.retry((err as Error).message, failures);
            } finally {
              clearInterval(beat);
              terminations.delete(k);
              carriedRuns.delete(k);
              await lease.release();
            }
          },
        );
      },
    });

    return {
      problem: conn.problem,
      async stop() {
        stopping = true;
        await informer.stop();
        await projects.stop();
        await worker.stop();
        clusters.stop();
        cache.stop();
        await healthConfig.stop();
        await conn.close();
      },
    };
  },
};
