import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';

/** A stored message's JSON; tests read fields freely. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type StoredMessage = Record<string, any>;

/** Every message stored in `stream` on `subject` (or under it, for `a.b.>`), parsed as JSON, oldest first. */
export async function streamMessages(
  nc: NatsConnection,
  stream: string,
  subject: string,
): Promise<StoredMessage[]> {
  const jsm = await jetstreamManager(nc);
  const info = await jsm.streams.info(stream);
  const out: StoredMessage[] = [];
  for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
    const m = await jsm.streams.getMessage(stream, { seq }).catch(() => null);
    const prefix = subject.endsWith('.>') ? subject.slice(0, -1) : undefined;
    if (m && (prefix ? m.subject.startsWith(prefix) : m.subject === subject)) out.push(m.json());
  }
  return out;
}
