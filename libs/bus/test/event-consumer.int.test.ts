import { describe, expect, it } from 'vitest';
import { jetstreamManager } from '@nats-io/jetstream';
import { createEvent, Streams } from '@flotilla/contracts';
import { startEnv } from '@flotilla/testing';
import { connectBus, createPublisher, provisionBus, provisionEventConsumer } from '../src/index.js';

describe('event consumers', () => {
  it('start at the newest event, keep their position, and can be provisioned again with new settings', async () => {
    await using env = await startEnv({ nats: true });
    const nc = await connectBus({ servers: env.nats.url, name: 'test' });
    await provisionBus(nc, { storage: 'memory' });
    const bus = createPublisher(nc);
    const app = { namespace: 'f', name: 'web' };
    const publish = (id: string) =>
      bus.event(
        'app.health-changed',
        app,
        createEvent(
          'app.health-changed',
          app,
          { from: 'Healthy', to: 'Degraded' },
          { source: '/t', id },
        ),
      );
    await publish('before');
    await provisionEventConsumer(nc, 'readers');
    await publish('after-1');
    await publish('after-2');
    await provisionEventConsumer(nc, 'readers', { ackWaitMs: 5_000 });
    const info = await (await jetstreamManager(nc)).consumers.info(Streams.Events, 'readers');
    expect(info.num_pending).toBe(2);
    expect(info.config.ack_wait).toBe(5_000 * 1e6);
    await nc.drain();
  });
});
