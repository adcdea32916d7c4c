import { jetstream, type ConsumerMessages, type JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import {
  decodeCommand,
  Streams,
  type CommandOf,
  type Decoded,
  type WorkKind,
} from '@flotilla/contracts';
import { metrics, registerQueueDepth, type Logger, type WorkCounts } from '@flotilla/runtime';
import { deadLetter } from './dead-letter.js';
import { backoffDelay, outcomeOfError, type Backoff, type Outcome } from './outcome.js';
import { consumerName } from './provision.js';
import { createPublisher } from './publish.js';

/** What a handler gets besides the command. */
export interface HandlerContext {
  /** 1 on first delivery; deliveries that waited count too. */
  readonly deliveryCount: number;
  /** The message's sequence in its stream: the same for every delivery of it. */
  readonly sequence: number;
  readonly subject: string;
  /** W3C trace context the command was sent with. */
  readonly traceparent?: string;
  /** Aborted when the worker is stopping; long handlers should finish or give up. */
  readonly signal: AbortSignal;
  /** Tells the server the message is still being worked on (sent automatically too). */
  working(): void;
}

/** Handles one command; returning nothing means done. Throwing means retry (see {@link Outcome}). */
export type Handler<K extends WorkKind> = (
  cmd: CommandOf<K>,
  ctx: HandlerContext,
) => Promise<Outcome | void>;

/** Options for {@link startWorker}. */
/** Settings every consumer loop shares. */
interface LoopSettings {
  readonly nc: NatsConnection;
  readonly logger: Logger;
  /** Messages handled at once by this worker; 4 unless set. */
  readonly concurrency?: number;
  /** Failed deliveries before a message is dead-lettered; 5 unless set. */
  readonly maxDeliveries?: number;
  readonly backoff?: Backoff;
  /** The consumer's ack wait; heartbeats go out at a third of it. 30 s unless set. */
  readonly ackWaitMs?: number;
  /** CloudEvents `source` of dead letters; `/flotilla/<kind>-worker` unless set. */
  readonly source?: string;
}

/** Options for {@link startWorker}. */
export interface WorkerOptions<K extends WorkKind> extends LoopSettings {
  readonly kind: K;
  readonly handler: Handler<K>;
}

/** Options for {@link startConsumer}: any durable consumer of any stream. */
export interface ConsumerLoopOptions<T> extends LoopSettings {
  /** Stream and durable consumer to pull from (the consumer must exist). */
  readonly stream: string;
  readonly consumer: string;
  /** Label of metrics and dead letters (`flotilla.deadletter.<label>`). */
  readonly label: string;
  readonly decode: (bytes: Uint8Array) => Decoded<T>;
  readonly handler: (value: T, ctx: HandlerContext) => Promise<Outcome | void>;
}

/** Counters a worker keeps (exported as metrics), as a role reports them. */
export type WorkerStats = { -readonly [K in keyof WorkCounts]: WorkCounts[K] };

/** A running worker. */
export interface Worker {
  readonly stats: WorkerStats;
  /** Stops pulling, returns unstarted messages, and waits for handlers in flight. */
  stop(): Promise<void>;
}

const DEFAULT_BACKOFF: Backoff = { initialMs: 1_000, factor: 2, maxMs: 60_000 };

/**
 * Pulls commands of one kind from the shared durable consumer and runs the
 * handler on each, at most `concurrency` at a time. Outcomes map to ack,
 * `nak(delay)` or `term`; malformed messages, unknown versions and messages
 * that keep failing go to the dead-letter subject. It survives NATS restarts
 * and never lets one message stop the loop.
 */
export function startWorker<K extends WorkKind>(options: WorkerOptions<K>): Worker {
  const { kind } = options;
  return startConsumer<CommandOf<K>>({
    ...options,
    stream: Streams.Work,
    consumer: consumerName(kind),
    label: kind,
    decode: (bytes) => decodeCommand(kind, bytes),
  });
}

/**
 * The loop behind {@link startWorker}, for any durable consumer: decode,
 * handle, map the outcome to ack, `nak(delay)` or `term`, and dead-letter
 * what cannot be decoded or keeps failing, with the reason.
 */
export function startConsumer<T>(options: ConsumerLoopOptions<T>): Worker {
  const { nc, label: kind, handler, logger } = options;
  const concurrency = options.concurrency ?? 4;
  const maxDeliveries = options.maxDeliveries ?? 5;
  const backoff = options.backoff ?? DEFAULT_BACKOFF;
  const heartbeatMs = Math.max(1_000, Math.floor((options.ackWaitMs ?? 30_000) / 3));
  const source = options.source ?? `/flotilla/${kind}-worker`;
  const js = jetstream(nc);
  const publisher = createPublisher(nc, js);
  const stats: WorkerStats = { handled: 0, failed: 0, deadLettered: 0, redelivered: 0 };
  const abort = new AbortController();
  const inFlight = new Set<Promise<void>>();
  let current: ConsumerMessages | undefined;
  let wake: (() => void) | undefined;

  const settle = async (msg: JsMsg, outcome: Outcome) => {
    // Failed deliveries: the handler's own count when it keeps one, so a message that
    // waited long (redelivered after each wait) still gets all its retries.
    const failures = outcome.kind === 'retry' ? (outcome.failures ?? msg.info.deliveryCount) : 0;
    const exhausted = outcome.kind === 'retry' && failures >= maxDeliveries;
    metrics.work.inc({ kind, outcome: exhausted ? 'dead-letter' : outcome.kind });
    switch (outcome.kind) {
      case 'done':
        stats.handled++;
        await msg.ackAck();
        return;
      case 'wait':
        msg.nak(outcome.delayMs);
        return;
      case 'stall':
        stats.failed++;
        logger.warn(
          { subject: msg.subject, reason: outcome.reason },
          'handler stalled; message terminated',
        );
        msg.term(outcome.reason);
        return;
      case 'retry': {
        stats.failed++;
        const deliveries = msg.info.deliveryCount;
        if (exhausted) {
          logger.error(
            { subject: msg.subject, deliveries, failures, error: outcome.error },
            'giving up; dead-lettering',
          );
          await deadLetter(publisher, kind, msg, 'exhausted', outcome.error, source);
          stats.deadLettered++;
          msg.term(`dead-lettered after ${failures} failed deliveries`);
          return;
        }
        const delay = backoffDelay(failures, backoff);
        logger.warn(
          { subject: msg.subject, deliveries, failures, delayMs: delay, error: outcome.error },
          'handler failed; will retry',
        );
        msg.nak(delay);
        return;
      }
    }
  };

  const handle = async (msg: JsMsg) => {
    if (msg.info.deliveryCount > 1) {
      stats.redelivered++;
      metrics.redeliveries.inc({ kind });
    }
    const decoded = options.decode(msg.data);
    if (!decoded.ok) {
      logger.error(
        { subject: msg.subject, reason: decoded.reason, error: decoded.message },
        'unusable message; dead-lettering',
      );
      await deadLetter(publisher, kind, msg, decoded.reason, decoded.message, source);
      stats.deadLettered++;
      metrics.work.inc({ kind, outcome: 'dead-letter' });
      msg.term(decoded.reason);
      return;
    }
    const heartbeat = setInterval(() => msg.working(), heartbeatMs);
    const endTimer = metrics.handleSeconds.startTimer({ kind });
    metrics.inFlight.inc({ kind });
    let outcome: Outcome;
    try {
      outcome = (await handler(decoded.value, {
        deliveryCount: msg.info.deliveryCount,
        sequence: msg.info.streamSequence,
        subject: msg.subject,
        traceparent: msg.headers?.get('traceparent') || undefined,
        signal: abort.signal,
        working: () => msg.working(),
      })) ?? { kind: 'done' };
    } catch (err) {
      outcome = outcomeOfError(err);
    } finally {
      clearInterval(heartbeat);
      endTimer();
      metrics.inFlight.dec({ kind });
    }
    await settle(msg, outcome);
  };

  const track = (msg: JsMsg) => {
    const p = handle(msg)
      .catch((err: unknown) =>
        logger.error({ err, subject: msg.subject }, 'could not settle message'),
      )
      .finally(() => {
        inFlight.delete(p);
        wake?.();
      });
    inFlight.add(p);
  };

  let unregisterDepth = () => {};
  const loop = async () => {
    while (!abort.signal.aborted) {
      try {
        const consumer = await js.consumers.get(options.stream, options.consumer);
        unregisterDepth();
        unregisterDepth = registerQueueDepth(kind, async () => {
          const info = await consumer.info();
          return { pending: info.num_pending, unacked: info.num_ack_pending };
        });
        current = await consumer.consume({ max_messages: concurrency });
        // stop() may have run while the consumer was being set up: it found nothing to close.
        if (abort.signal.aborted) {
          current.stop();
          break;
        }
        for await (const msg of current) {
          if (abort.signal.aborted) {
            msg.nak();
            continue;
          }
          while (inFlight.size >= concurrency) await new Promise<void>((r) => (wake = r));
          track(msg);
        }
      } catch (err) {
        if (abort.signal.aborted) break;
        logger.warn({ err: (err as Error).message, kind }, 'consumer interrupted; resuming');
        await new Promise((r) => setTimeout(r, 1_000));
      }
    }
  };
  const running = loop();

  return {
    stats,
    async stop() {
      abort.abort();
      current?.stop();
      await running;
      unregisterDepth();
      await Promise.allSettled([...inFlight]);
    },
  };
}
