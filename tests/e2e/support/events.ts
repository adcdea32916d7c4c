import { jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { Streams } from '@flotilla/contracts';
import type { StoredMessage } from '@flotilla/testing';

/** A stored event with its subject and stream sequence (the order it was stored in). */
export interface StoredEvent {
  readonly subject: string;
  readonly seq: number;
  readonly event: StoredMessage;
}

/**
 * Every event stored so far on subjects matching `filter` (wildcards allowed),
 * in stream order, read with one ordered consumer.
 */
export async function readEvents(nc: NatsConnection, filter: string): Promise<StoredEvent[]> {
  const consumer = await jetstream(nc).consumers.get(Streams.Events, {
    filter_subjects: filter, // one subject: nats-server before 2.10 takes no list
  });
  const out: StoredEvent[] = [];
  try {
    for (;;) {
      const m = await consumer.next({ expires: 1000 });
      if (!m) break;
      out.push({ subject: m.subject, seq: m.seq, event: m.json() });
    }
  } finally {
    await consumer.delete().catch(() => undefined);
  }
  return out;
}

/** The app (`<namespace>/<name>`) an event is about, from its CloudEvents subject. */
export function eventApp(e: StoredEvent): string {
  return String(e.event['subject']);
}

/**
 * Checks, per app, that sync operations never overlap: from `operation.started`
 * to the operation's `operation.succeeded`/`failed` no other operation of the
 * same app starts, no operation ends twice, and every one that started ended.
 * Returns one line per violation.
 */
export function operationOverlaps(events: readonly StoredEvent[]): string[] {
  const open = new Map<string, string>(); // app -> operationId running
  const ended = new Set<string>();
  const problems: string[] = [];
  for (const e of [...events].sort((a, b) => a.seq - b.seq)) {
    const app = eventApp(e);
    const op = String(e.event['data']?.['operationId']);
    const kind = e.subject.split('.').at(-1);
    if (kind === 'started') {
      const running = open.get(app);
      if (running !== undefined && running !== op)
        problems.push(`${app}: ${op} started while ${running} was still running`);
      if (running === op) problems.push(`${app}: ${op} started twice`);
      open.set(app, op);
    } else if (kind === 'succeeded' || kind === 'failed') {
      if (ended.has(op)) problems.push(`${app}: ${op} ended twice`);
      ended.add(op);
      if (open.get(app) === op) open.delete(app);
      else problems.push(`${app}: ${op} ended without having started`);
    }
  }
  for (const [app, op] of open) problems.push(`${app}: ${op} started and never ended`);
  return problems;
}
