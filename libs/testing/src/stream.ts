import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';

/** Every message stored in `stream` on exactly `subject`, parsed as JSON, oldest first. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- test helper over arbitrary JSON
export async function streamMessages(
  nc: NatsConnection,
  stream: string,
  subject: string,
): Promise<Record<string, any>[]> {
  const jsm = await jetstreamManager(nc);
  const info = await jsm.streams.info(stream);
  const out: Record<string, any>[] = [];
  for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
    const m = await jsm.streams.getMessage(stream, { seq }).catch(() => null);
    if (m?.subject === subject) out.push(m.json());
  }
  return out;
}
