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
  const event = {
    specversion: '1.0',
    id: `${kind}-${msg.info.streamSequence}`,
    source,
    type: DEAD_LETTER_TYPE,
    subject: msg.subject,
    time: new Date().toISOString(),
    datacontenttype: 'application/json',
    data: {
      workKind: kind,
      originalSubject: msg.subject,
      deliveries: msg.info.deliveryCount,
      reason,
      error: error.slice(0, PAYLOAD_LIMIT),
      payload: new TextDecoder().decode(msg.data.subarray(0, PAYLOAD_LIMIT)),
    },
  };
  await publisher.raw(deadLetterSubject(kind), encode(event), {
    msgId: event.id,
    traceparent: msg.headers?.get('traceparent'),
  });
}
