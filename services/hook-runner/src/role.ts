import { failSpan, inSpan, SpanAttr } from '@flotilla/runtime';
import { Outcomes, connectRole, createPublisher, provisionBus, startWorker } from '@flotilla/bus';
import {
  createEvent,
  resourceKeyString,
  type AppRef,
  type EventData,
  type EventName,
} from '@flotilla/contracts';
import {
  ClusterCache,
  loadKubeConfig,
  watchHealthConfig,
  type KubernetesObject,
  ClusterConnections,
  impersonating,
} from '@flotilla/kube';
import type { Role } from '@flotilla/runtime';
import { HookStore, runHook, type HookVerdict } from '@flotilla/sync-exec';

const SOURCE = '/flotilla/hook-runner';

/**
 * The hook-runner role: runs the hooks of one (phase, wave) of an operation
 * per `hook` command. It creates each hook unless it exists (names are
 * deterministic per operation), judges it from its health, enforces its
 * timeout, records the verdict in the HookStore and publishes hook.* events,
 * which wake the applier waiting on them.
 */
export const hookRunnerRole: Role = {
  name: 'hook-runner',
  async start({ logger, config, env }) {
    const concurrency = Number(env['FLOTILLA_HOOK_CONCURRENCY'] ?? 8);
    const conn = await connectRole('hook-runner', config, logger);
    const { nc, redis } = conn;
    await provisionBus(nc, { ackWaitMs: config.workAckWaitMs });
    const bus = createPublisher(nc);
    const store = new HookStore(redis);
    const kc = loadKubeConfig(config.kubeconfig);
    const cache = new ClusterCache(kc, (err, kind) =>
      logger.warn({ err: err.message, kind }, 'watch trouble'),
    );
    // The same checks as the differ's, users' customizations included, so a
    // wave waits for what the app's health shows.
    // Hooks of apps on other clusters go there, named by their cluster Secret.
    const clusters = new ClusterConnections(kc, config.namespace, cache, (err, kind, cluster) =>
      logger.warn({ err: err.message, kind, cluster }, 'watch trouble'),
    );
    const healthConfig = await watchHealthConfig({ kc, namespace: config.namespace, logger });
    const health = healthConfig.assessor;
    const assess = (o: KubernetesObject) => health.assess(o as Parameters<typeof health.assess>[0]);

    const emit = async <N extends EventName>(
      name: N,
      app: AppRef,
      data: EventData<N>,
      msgId: string,
    ) => {
      await bus
        .event(name, app, createEvent(name, app, data, { source: SOURCE, id: msgId }))
        .catch((err: Error) => logger.warn({ err: err.message, name }, 'event not published'));
    };

    const worker = startWorker({
      nc,
      ackWaitMs: config.workAckWaitMs,
      kind: 'hook',
      logger,
      concurrency,
      source: SOURCE,
      handler: async (cmd, ctx) => {
        const beat = setInterval(() => ctx.working(), 5_000);
        try {
          await Promise.all(
            cmd.hooks.map((key) =>
              inSpan(
                'hook-runner.hook',
                {
                  parent: ctx.traceparent ?? null,
                  attributes: {
                    [SpanAttr.role]: 'hook-runner',
                    [SpanAttr.app]: `${cmd.app.namespace}/${cmd.app.name}`,
                    [SpanAttr.hook]: `${key.kind}/${key.name}`,
                    [SpanAttr.phase]: cmd.phase,
                    [SpanAttr.wave]: cmd.wave,
                  },
                },
                async (span) => {
                  const id = `${cmd.operationId}:${resourceKeyString(key)}`;
                  if (await store.verdict(cmd.operationId, key)) {
                    span.setAttribute(SpanAttr.result, 'already ended');
                    return;
                  }
                  const spec = await store.spec(cmd.operationId, key);
                  const base = {
                    operationId: cmd.operationId,
                    hook: key,
                    hookType: cmd.phase,
                    wave: cmd.wave,
                  };
                  const target = spec?.cluster
                    ? await clusters.forDestination({ server: spec.cluster.server })
                    : clusters.own;
                  const verdict: HookVerdict = spec
                    ? await runHook(
                        {
                          kc: target.kc,
                          // Sync impersonation: the hook is written as the project's ServiceAccount.
                          ...(spec.impersonate
                            ? { writeKc: impersonating(target.kc, spec.impersonate) }
                            : {}),
                          cache: target.cache,
                          health: assess,
                        },
                        spec,
                        ctx.signal,
                        () => emit('hook.started', cmd.app, base, `${id}:started`),
                        async () => (await store.verdict(cmd.operationId, key)) !== undefined,
                      )
                    : { phase: 'Failed', message: 'the hook was not handed over by the applier' };
                  await store.putVerdict(cmd.operationId, key, verdict);
                  span.setAttribute(SpanAttr.result, verdict.phase);
                  if (verdict.phase !== 'Succeeded') failSpan(span, verdict.message);
                  const tail = verdict.logTail ? { logTail: verdict.logTail } : {};
                  if (verdict.phase === 'Succeeded') {
                    await emit('hook.succeeded', cmd.app, { ...base, ...tail }, `${id}:succeeded`);
                  } else {
                    await emit(
                      'hook.failed',
                      cmd.app,
                      { ...base, message: verdict.message, ...tail },
                      `${id}:failed`,
                    );
                  }
                },
              ),
            ),
          );
        } catch (err) {
          // Stopping: the command comes back to this or another hook-runner, which finds the hooks by name.
          if (ctx.signal.aborted) return Outcomes.wait(1_000, 'hook-runner stopping');
          throw err;
        } finally {
          clearInterval(beat);
        }
      },
    });

    return {
      problem: conn.problem,
      async stop() {
        await worker.stop();
        clusters.stop();
        cache.stop();
        await healthConfig.stop();
        await conn.close();
      },
    };
  },
};
