import { Type, type Static } from '@sinclair/typebox';
import { cloudEventSchema } from './events.js';

/** CloudEvents type of a dead letter. */
export const DEAD_LETTER_TYPE = 'dev.flotilla.bus.dead-lettered.v1';

/** Why a message was dead-lettered. */
export const DeadLetterReason = {
  /** Not JSON, or not the command schema. */
  Malformed: 'malformed',
  /** A schema version this build does not know. */
  UnknownVersion: 'unknown-version',
  /** The handler kept failing for the maximum number of deliveries. */
  Exhausted: 'exhausted',
  /** The handler found it can never succeed (a receiver refused a notification, say). */
  Rejected: 'rejected',
} as const;
/** Why a message was dead-lettered. */
export type DeadLetterReason = (typeof DeadLetterReason)[keyof typeof DeadLetterReason];

/** Data of a dead-letter event; the payload is kept (truncated) for inspection. */
export const DeadLetterData = Type.Object({
  workKind: Type.String(),
  originalSubject: Type.String(),
  deliveries: Type.Integer({ minimum: 1 }),
  reason: Type.Union([
    Type.Literal('malformed'),
    Type.Literal('unknown-version'),
    Type.Literal('exhausted'),
    Type.Literal('rejected'),
  ]),
  error: Type.String(),
  payload: Type.String({ description: 'The message body as UTF-8, cut at 4 KiB.' }),
});
/** Data of a dead-letter event. */
export type DeadLetterData = Static<typeof DeadLetterData>;

/** Schema of the whole dead-letter CloudEvent; `subject` is the original NATS subject. */
export const DeadLetterEvent = cloudEventSchema(DEAD_LETTER_TYPE, DeadLetterData);
