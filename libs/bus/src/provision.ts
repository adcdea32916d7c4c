import {
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
  type ConsumerConfig,
  type JetStreamManager,
  type StreamConfig,
} from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { Streams, SubjectRoots, WORK_KINDS, workFilter, type WorkKind } from '@flotilla/contracts';

const ms = (n: number) => n * 1_000_000; // JetStream durations are nanoseconds

/** Bus settings, fully defaulted by {@link compileBusOptions}. */
export interface BusOptions {
  /** How long events are kept; 7 days unless set. */
  readonly eventsMaxAgeMs?: number;
  /** Size cap of the event log; 1 GiB unless set. */
  readonly eventsMaxBytes?: number;
  /** Time a worker has to ack or send `working()`; 30 s unless set. */
  readonly ackWaitMs?: number;
  /** Unacknowledged messages per consumer, across all its workers; 256 unless set. */
  readonly maxAckPending?: number;
  /** Window in which a repeated `Nats-Msg-Id` is dropped; 2 min unless set. */
  readonly duplicateWindowMs?: number;
  /** File storage (survives restarts) unless `memory`. */
  readonly storage?: 'file' | 'memory';
}

/** {@link BusOptions} with every default applied. */
export type CompiledBusOptions = Required<BusOptions>;

/** Applies the documented defaults. */
export function compileBusOptions(o: BusOptions = {}): CompiledBusOptions {
  return {
    eventsMaxAgeMs: o.eventsMaxAgeMs ?? 7 * 24 * 3600_000,
    eventsMaxBytes: o.eventsMaxBytes ?? 1024 ** 3,
    ackWaitMs: o.ackWaitMs ?? 30_000,
    maxAckPending: o.maxAckPending ?? 256,
    duplicateWindowMs: o.duplicateWindowMs ?? 120_000,
    storage: o.storage ?? 'file',
  };
}

/** Name of the durable consumer shared by every worker of one kind. */
export function consumerName(kind: WorkKind): string {
  return `flotilla-${kind}`;
}

function streamConfigs(o: CompiledBusOptions): (Partial<StreamConfig> & { name: string })[] {
  const storage = o.storage === 'memory' ? StorageType.Memory : StorageType.File;
  return [
    {
      name: Streams.Work,
      subjects: [`${SubjectRoots.work}.>`],
      retention: RetentionPolicy.Workqueue,
      storage,
      duplicate_window: ms(o.duplicateWindowMs),
      discard: DiscardPolicy.Old,
    },
    {
      name: Streams.Events,
      subjects: [`${SubjectRoots.events}.>`, `${SubjectRoots.deadLetter}.>`],
      retention: RetentionPolicy.Limits,
      storage,
      max_age: ms(o.eventsMaxAgeMs),
      max_bytes: o.eventsMaxBytes,
      duplicate_window: ms(o.duplicateWindowMs),
      discard: DiscardPolicy.Old,
    },
  ];
}

function consumerConfig(kind: WorkKind, o: CompiledBusOptions): Partial<ConsumerConfig> {
  return {
    durable_name: consumerName(kind),
    filter_subject: workFilter(kind),
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: ms(o.ackWaitMs),
    max_ack_pending: o.maxAckPending,
    // Redelivery is bounded by the worker, which dead-letters with a reason.
    max_deliver: -1,
  };
}

async function ensureStream(
  jsm: JetStreamManager,
  cfg: Partial<StreamConfig> & { name: string },
): Promise<void> {
  try {
    await jsm.streams.info(cfg.name);
    await jsm.streams.update(cfg.name, cfg);
  } catch (err) {
    if (!/stream not found/i.test((err as Error).message)) throw err;
    await jsm.streams.add(cfg);
  }
}

/**
 * Creates or updates the streams and the durable consumers. Safe to run from
 * every replica at start-up, concurrently and repeatedly.
 */
export async function provisionBus(
  nc: NatsConnection,
  options: BusOptions = {},
): Promise<CompiledBusOptions> {
  const o = compileBusOptions(options);
  const jsm = await jetstreamManager(nc);
  for (const cfg of streamConfigs(o)) await ensureStream(jsm, cfg);
  for (const kind of WORK_KINDS) {
    const cfg = consumerConfig(kind, o);
    try {
      await jsm.consumers.add(Streams.Work, cfg);
    } catch (err) {
      // An existing consumer with different settings: bring it to the new ones.
      if (!/already exists|consumer name already in use/i.test((err as Error).message)) throw err;
      await jsm.consumers.update(Streams.Work, consumerName(kind), cfg);
    }
  }
  return o;
}

/**
 * Creates (or brings up to date) a durable consumer of the event log. A new
 * consumer starts at the newest event, so a first install does not replay the
 * retained history; from then on its position is kept by the server, so no
 * event is lost while its readers are down. Redelivery is bounded by the
 * reader, which dead-letters with a reason.
 */
export async function provisionEventConsumer(
  nc: NatsConnection,
  name: string,
  options: { readonly ackWaitMs?: number; readonly maxAckPending?: number } = {},
): Promise<void> {
  const jsm = await jetstreamManager(nc);
  const cfg: Partial<ConsumerConfig> = {
    durable_name: name,
    filter_subject: `${SubjectRoots.events}.>`,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.New,
    ack_wait: ms(options.ackWaitMs ?? 30_000),
    max_ack_pending: options.maxAckPending ?? 256,
    max_deliver: -1,
  };
  try {
    await jsm.consumers.info(Streams.Events, name);
    // deliver_policy cannot change on an existing consumer; the rest may.
    const { deliver_policy: _ignored, ...rest } = cfg;
    await jsm.consumers.update(Streams.Events, name, rest);
  } catch (err) {
    if (!/consumer not found/i.test((err as Error).message)) throw err;
    await jsm.consumers.add(Streams.Events, cfg).catch(async (e: Error) => {
      // Another replica created it meanwhile.
      if (!/already exists|already in use/i.test(e.message)) throw e;
    });
  }
}
