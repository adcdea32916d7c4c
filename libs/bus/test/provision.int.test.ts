import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jetstreamManager, RetentionPolicy } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { Streams, WORK_KINDS } from '@flotilla/contracts';
import { startEnv, type TestEnv } from '@flotilla/testing';
import { connectBus, consumerName, provisionBus } from '../src/index.js';

describe('bus provisioning', () => {
  let env: TestEnv;
  let nc: NatsConnection;
  beforeAll(async () => {
    env = await startEnv({ nats: true });
    nc = await connectBus({ servers: env.nats.url, name: 'provision-test' });
  });
  afterAll(async () => {
    await nc.close();
    await env[Symbol.asyncDispose]();
  });

  it('is idempotent, also when replicas run it at once, and applies changed limits', async () => {
    await Promise.all([provisionBus(nc), provisionBus(nc), provisionBus(nc)]);
    await provisionBus(nc, {
      eventsMaxAgeMs: 3_600_000,
      eventsMaxBytes: 64 * 1024 * 1024,
      maxAckPending: 32,
    });
    const jsm = await jetstreamManager(nc);
    const work = await jsm.streams.info(Streams.Work);
    expect(work.config.retention).toBe(RetentionPolicy.Workqueue);
    expect(work.config.subjects).toEqual(['flotilla.work.>']);
    const events = await jsm.streams.info(Streams.Events);
    expect(events.config.retention).toBe(RetentionPolicy.Limits);
    expect(events.config.max_age).toBe(3_600_000 * 1_000_000);
    expect(events.config.max_bytes).toBe(64 * 1024 * 1024);
    for (const kind of WORK_KINDS) {
      const c = await jsm.consumers.info(Streams.Work, consumerName(kind));
      expect(c.config.filter_subject).toBe(`flotilla.work.${kind}.>`);
      expect(c.config.max_ack_pending).toBe(32);
    }
  });
});
