import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import {
  AckPolicy,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  type JetStreamClient,
} from '@nats-io/jetstream';
import { startEnv, type TestEnv } from '../src/index.js';

describe('JetStream work queues on a private nats-server', () => {
  let env: TestEnv;
  let nc: NatsConnection;
  let js: JetStreamClient;

  beforeAll(async () => {
    env = await startEnv({ nats: true });
    nc = await connect({ servers: env.nats.url });
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({
      name: 'WORK',
      subjects: ['work.>'],
      retention: RetentionPolicy.Workqueue,
    });
    js = jetstream(nc);
  });
  afterAll(async () => {
    await nc?.close();
    await env[Symbol.asyncDispose]();
  });

  const consumer = async (name: string, subject: string, ackWaitMs = 30_000) => {
    const jsm = await jetstreamManager(nc);
    await jsm.consumers.add('WORK', {
      durable_name: name,
      ack_policy: AckPolicy.Explicit,
      filter_subject: subject,
      ack_wait: ackWaitMs * 1_000_000,
    });
    return js.consumers.get('WORK', name);
  };

  it('delivers a published message once and removes it on ack', async () => {
    const c = await consumer('plain', 'work.plain');
    await js.publish('work.plain', JSON.stringify({ app: 'guestbook' }));
    const m = await c.next({ expires: 5_000 });
    expect(m?.json()).toEqual({ app: 'guestbook' });
    await m?.ackAck();
    const info = await (await jetstreamManager(nc)).streams.info('WORK');
    expect(info.state.messages).toBe(0);
  });

  it('redelivers a message that was never acked', async () => {
    const c = await consumer('unacked', 'work.unacked', 1_000);
    await js.publish('work.unacked', 'x');
    const first = await c.next({ expires: 5_000 });
    expect(first?.info.deliveryCount).toBe(1);
    // no ack: the server redelivers after ack_wait
    const second = await c.next({ expires: 10_000 });
    expect(second?.seq).toBe(first?.seq);
    expect(second?.info.deliveryCount).toBe(2);
    second?.ack();
  });

  it('honours a nak with delay', async () => {
    const c = await consumer('delayed', 'work.delayed');
    await js.publish('work.delayed', 'y');
    const first = await c.next({ expires: 5_000 });
    const nakAt = Date.now();
    first?.nak(3_000);
    const early = await c.next({ expires: 1_000 });
    expect(early).toBeNull();
    const again = await c.next({ expires: 10_000 });
    expect(again?.seq).toBe(first?.seq);
    expect(Date.now() - nakAt).toBeGreaterThanOrEqual(2_900);
    again?.ack();
  });
});
