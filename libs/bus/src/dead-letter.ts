import type { JsMsg } from '@nats-io/jetstream';
import {
  DEAD_LETTER_TYPE,
  deadLetterSubject,
  encode,
  type DeadLetterReason,
} from '@flotilla/contracts';
import type { BusPublisher } from './publish.js';

const PAYLOAD_LIMIT = 4096;

/**
 * Publishes a dead-letter CloudEvent for `msg` on `flotilla.deadletter.<kind>`
 * (a work kind, or another consumer's label such as `notify`),
 * de-duplicated by the message's stream sequence, so a redelivered poison
 * message is recorded once.
 */
export async function deadLetter(
  publisher: BusPublisher,
  kind: string,
  msg: JsMsg,
  reason: DeadLetterReason,
  error: string,
  source: string,
): Promise<void> {
  await publishDeadLetter(publisher, {
    kind,
    id: `${kind}-${msg.info.streamSequence}`,
    subject: msg.subject,
    deliveries: msg.info.deliveryCount,
    reason,
    error,
    payload: msg.data,
    source,
    traceparent: msg.headers?.get('traceparent'),
  });
}

/** One dead letter: what failed, why, and the payload kept for inspection. */
export interface DeadLetterInput {
  readonly kind: string;
  /** Event id and `Nats-Msg-Id`: a repeat within the duplicate window is dropped. */
  readonly id: string;
  /** The original subject. */
  readonly subject: string;
  readonly deliveries: number;
  readonly reason: DeadLetterReason;
  readonly error: string;
  readonly payload: Uint8Array;
  readonly source: string;
  readonly traceparent?: string;
}

/** Publishes a dead-letter CloudEvent on `flotilla.deadletter.<kind>`. */
export async function publishDeadLetter(
  publisher: BusPublisher,
  d: DeadLetterInput,
): Promise<void> {
  const event = {
    specversion: '1.0',
    id: d.id,
    source: d.source,
    type: DEAD_LETTER_TYPE,
    subject: d.subject,
    time: new Date().toISOString(),
    datacontenttype: 'application/json',
    data: {
      workKind: d.kind,
      originalSubject: d.subject,
      deliveries: d.deliveries,
      reason: d.reason,
      error: d.error.slice(0, PAYLOAD_LIMIT),
      payload: new TextDecoder().decode(d.payload.subarray(0, PAYLOAD_LIMIT)),
    },
  };
  await publisher.raw(deadLetterSubject(d.kind), encode(event), {
    msgId: event.id,
    ...(d.traceparent ? { traceparent: d.traceparent } : {}),
  });
}
