import {
  Outcomes,
  connectRole,
  createPublisher,
  provisionBus,
  provisionEventConsumer,
  publishDeadLetter,
  startConsumer,
} from '@flotilla/bus';
import { Streams, decodeAnyEvent, encode } from '@flotilla/contracts';
import { loadKubeConfig } from '@flotilla/kube';
import { Notifier, Outbox } from '@flotilla/notify';
import type { Role } from '@flotilla/runtime';
import { compileNotifierOptions } from './options.js';
import { clusterSources } from './sources.js';

const SOURCE = '/flotilla/notifier';
/** The notifier's durable consumer of FLOTILLA_EVENTS. */
export const NOTIFIER_CONSUMER = 'flotilla-notifier';

/**
 * The notifier role: reads every event from its durable consumer of
 * FLOTILLA_EVENTS and sends the notifications the subscriptions of the
 * event's app ask for. Redis remembers what each event decided and sent, so
 * a redelivered event sends only what is still unsent; failures are retried
 * with backoff, and a notification a receiver refuses, or one still failing
 * after the delivery limit, is dead-lettered on `flotilla.deadletter.notify`
 * with the reason.
 */
export const notifierRole: Role = {
  name: 'notifier',
  async start({ logger, config, env }) {
    const options = compileNotifierOptions(env);
    const conn = await connectRole('notifier', config, logger);
    const { nc, redis } = conn;
    await provisionBus(nc, { ackWaitMs: config.workAckWaitMs });
    await provisionEventConsumer(nc, NOTIFIER_CONSUMER, { ackWaitMs: config.workAckWaitMs });
    const bus = createPublisher(nc);
    const kc = loadKubeConfig(config.kubeconfig);
    const notifier = new Notifier(
      clusterSources(kc, config.namespace, options, logger),
      new Outbox(redis),
      logger,
    );
    // Events of one app are handled in the order they arrive, so a trigger's
    // state follows the app's history; different apps go in parallel.
    const chains = new Map<string, Promise<unknown>>();
    const inOrder = <T>(key: string, f: () => Promise<T>): Promise<T> => {
      const next = (chains.get(key) ?? Promise.resolve()).then(f, f);
      const tail = next.catch(() => undefined);
      chains.set(key, tail);
      void tail.then(() => chains.get(key) === tail && chains.delete(key));
      return next;
    };

    const worker = startConsumer({
      nc,
      stream: Streams.Events,
      consumer: NOTIFIER_CONSUMER,
      label: 'notify',
      decode: decodeAnyEvent,
      logger,
      source: SOURCE,
      concurrency: options.concurrency,
      maxDeliveries: options.maxDeliveries,
      backoff: options.backoff,
      ackWaitMs: config.workAckWaitMs,
      handler: async (event, ctx) => {
        const beat = setInterval(() => ctx.working(), 5_000);
        try {
          const result = await inOrder(event.subject, () =>
            notifier.handle(event, ctx.traceparent),
          );
          for (const r of result.rejected) {
            logger.warn(
              {
                id: r.notification.id,
                trigger: r.notification.trigger,
                service: r.notification.service,
                reason: r.reason,
              },
              'notification rejected; dead-lettering',
            );
            await publishDeadLetter(bus, {
              kind: 'notify',
              id: `notify-${r.notification.id}`,
              subject: ctx.subject,
              deliveries: ctx.deliveryCount,
              reason: 'rejected',
              error: `${r.notification.trigger} → ${r.notification.service}: ${r.reason}`,
              payload: encode(event),
              source: SOURCE,
              ...(ctx.traceparent ? { traceparent: ctx.traceparent } : {}),
            });
          }
          if (result.failed.length > 0) return Outcomes.retry(result.failed.join('; '));
        } finally {
          clearInterval(beat);
        }
      },
    });

    return {
      problem: conn.problem,
      work: worker.stats,
      async stop() {
        await worker.stop();
        await conn.close();
      },
    };
  },
};
