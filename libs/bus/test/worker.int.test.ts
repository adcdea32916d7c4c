import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { register } from 'prom-client';
import { DEAD_LETTER_TYPE, Streams, encode, workSubject } from '@flotilla/contracts';
import { startEnv, streamMessages, waitFor, type TestEnv } from '@flotilla/testing';
import {
  Outcomes,
  WaitingError,
  connectBus,
  createPublisher,
  provisionBus,
  startWorker,
  type Worker,
} from '../src/index.js';
import { diffCommand, quietLogger, until } from './helpers.js';

describe('the work-queue consume loop on a real nats-server', () => {
  let env: TestEnv;
  let nc: NatsConnection;
  const workers: Worker[] = [];
  const connections: NatsConnection[] = [];

  beforeAll(async () => {
    env = await startEnv({ nats: true });
    nc = await connectBus({ servers: env.nats.url, name: 'test' });
    await provisionBus(nc, { ackWaitMs: 2_000 });
  });
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.stop()));
    // Drain whatever a test left, so the next starts empty.
    await (await jetstreamManager(nc)).streams.purge(Streams.Work);
  });
  afterAll(async () => {
    await Promise.all(connections.map((c) => c.close()));
    await nc.close();
    await env[Symbol.asyncDispose]();
  });

  const deadLetters = (kind: string) =>
    streamMessages(nc, Streams.Events, `flotilla.deadletter.${kind}`);

  it('three workers share 1,000 messages: none lost, none handled twice after ack', async () => {
    const seen = new Map<string, number>();
    for (let i = 0; i < 3; i++) {
      const conn = await connectBus({ servers: env.nats.url, name: `w${i}` });
      connections.push(conn);
      workers.push(
        startWorker({
          nc: conn,
          kind: 'render',
          logger: quietLogger,
          concurrency: 8,
          handler: async (cmd) => {
            seen.set(cmd.reason, (seen.get(cmd.reason) ?? 0) + 1);
          },
        }),
      );
    }
    const pub = createPublisher(nc);
    await Promise.all(
      Array.from({ length: 1000 }, (_, i) =>
        pub.command({
          version: 1,
          kind: 'render',
          app: { namespace: 'flotilla', name: `app-${i % 50}` },
          reason: `m${i}`,
        }),
      ),
    );
    await until(() => seen.size === 1000, 30_000, '1000 distinct messages');
    await new Promise((r) => setTimeout(r, 300));
    expect([...seen.values()].every((n) => n === 1)).toBe(true);
    expect(workers.map((w) => w.stats.handled).every((n) => n > 0)).toBe(true);
    expect(workers.reduce((a, w) => a + w.stats.handled, 0)).toBe(1000);
    const info = await (await jetstreamManager(nc)).streams.info(Streams.Work);
    expect(info.state.messages).toBe(0);
  });

  it('redelivers the message of a worker process killed mid-handler', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(import.meta.dirname, 'fixtures', 'hanging-worker.ts'), env.nats.url],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    await createPublisher(nc).command(diffCommand('victim'));
    await until(() => out.includes('received victim'), 20_000, 'the child to take the message');
    child.kill('SIGKILL');
    const got: number[] = [];
    workers.push(
      startWorker({
        nc,
        kind: 'diff',
        logger: quietLogger,
        handler: async (_cmd, ctx) => {
          got.push(ctx.deliveryCount);
        },
      }),
    );
    await until(() => got.length === 1, 20_000, 'redelivery');
    expect(got[0]).toBe(2);
  });

  it('dead-letters a malformed message at once and keeps consuming', async () => {
    const handled: string[] = [];
    workers.push(
      startWorker({
        nc,
        kind: 'sync',
        logger: quietLogger,
        handler: async (cmd) => void handled.push(cmd.app.name),
      }),
    );
    const pub = createPublisher(nc);
    await pub.raw(
      workSubject('sync', { namespace: 'flotilla', name: 'broken' }),
      new TextEncoder().encode('{"version": 1, "kind": '),
    );
    await pub.raw(
      workSubject('sync', { namespace: 'flotilla', name: 'future' }),
      encode({ version: 9, kind: 'sync' }),
    );
    await pub.command({
      version: 1,
      kind: 'sync',
      app: { namespace: 'flotilla', name: 'fine' },
      reason: 'x',
      trigger: 'automated',
    });
    await until(() => handled.includes('fine'), 10_000, 'the valid message');
    let letters: Record<string, any>[] = [];
    await waitFor(
      'two dead letters',
      async () => (letters = await deadLetters('sync')).length >= 2,
      { timeoutMs: 10_000 },
    );
    expect(letters.map((l) => l.data.reason).sort()).toEqual(['malformed', 'unknown-version']);
    expect(letters[0]).toMatchObject({ specversion: '1.0', type: DEAD_LETTER_TYPE });
    expect(letters.find((l) => l.data.reason === 'malformed')?.data.originalSubject).toBe(
      'flotilla.work.sync.flotilla.broken',
    );
  });

  it('dead-letters a poison message after N failed deliveries', async () => {
    const attempts: number[] = [];
    workers.push(
      startWorker({
        nc,
        kind: 'hook',
        logger: quietLogger,
        maxDeliveries: 3,
        backoff: { initialMs: 50, factor: 2, maxMs: 200 },
        handler: async (_cmd, ctx) => {
          attempts.push(ctx.deliveryCount);
          throw new Error('kaboom');
        },
      }),
    );
    await createPublisher(nc).command({
      version: 1,
      kind: 'hook',
      app: { namespace: 'flotilla', name: 'poison' },
      reason: 'x',
      operationId: 'op',
      phase: 'PreSync',
      wave: 0,
      hooks: [],
    });
    await until(() => workers[0]!.stats.deadLettered === 1, 15_000, 'dead letter');
    expect(attempts).toEqual([1, 2, 3]);
    const letters = await deadLetters('hook');
    expect(letters.at(-1)?.data).toMatchObject({
      reason: 'exhausted',
      deliveries: 3,
      error: 'kaboom',
    });
  });

  it('redelivers a waiting message after its delay without dead-lettering it', async () => {
    const times: number[] = [];
    workers.push(
      startWorker({
        nc,
        kind: 'diff',
        logger: quietLogger,
        maxDeliveries: 2,
        handler: async () => {
          times.push(Date.now());
          if (times.length < 4) throw new WaitingError('lease busy', 150);
          return Outcomes.done;
        },
      }),
    );
    await createPublisher(nc).command(diffCommand('waiting'));
    await until(() => workers[0]!.stats.handled === 1, 10_000, 'handled after waits');
    expect(times).toHaveLength(4);
    expect(workers[0]!.stats.deadLettered).toBe(0);
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(140);
  });

  it('retries a failure after many waits when the handler counts its failures', async () => {
    // Waits past the delivery limit, then one failure the handler counts as its first,
    // then success: the limit is of failures, not deliveries.
    const seen: { delivery: number; sequence: number }[] = [];
    let failures = 0;
    workers.push(
      startWorker({
        nc,
        kind: 'diff',
        logger: quietLogger,
        maxDeliveries: 2,
        backoff: { initialMs: 50, factor: 2, maxMs: 200 },
        handler: async (_cmd, ctx) => {
          seen.push({ delivery: ctx.deliveryCount, sequence: ctx.sequence });
          if (seen.length <= 4) return Outcomes.wait(50, 'held');
          if (seen.length === 5) return Outcomes.retry('one fault', ++failures);
          return Outcomes.done;
        },
      }),
    );
    await createPublisher(nc).command(diffCommand('counted'));
    await until(() => workers[0]!.stats.handled === 1, 15_000, 'handled after the fault');
    expect(seen.map((s) => s.delivery)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(new Set(seen.map((s) => s.sequence)).size).toBe(1);
    expect(workers[0]!.stats.deadLettered).toBe(0);
    expect(workers[0]!.stats.failed).toBe(1);
  });

  it('drops a duplicate Nats-Msg-Id and passes traceparent to the handler', async () => {
    const parents: (string | undefined)[] = [];
    const pub = createPublisher(nc);
    const parent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    await pub.command(diffCommand('dedup'), { msgId: 'same-id', traceparent: parent });
    const dup = await pub.command(diffCommand('dedup'), { msgId: 'same-id', traceparent: parent });
    expect(dup.duplicate).toBe(true);
    workers.push(
      startWorker({
        nc,
        kind: 'diff',
        logger: quietLogger,
        handler: async (_c, ctx) => void parents.push(ctx.traceparent),
      }),
    );
    await until(() => parents.length === 1, 10_000, 'one delivery');
    await new Promise((r) => setTimeout(r, 300));
    expect(parents).toHaveLength(1);
    expect(parents[0]).toMatch(/^00-0af7651916cd43dd8448eb211c80319c-[0-9a-f]{16}-01$/);
  });

  it('stop() lets the handler in flight finish and ack', async () => {
    let release!: () => void;
    const started: string[] = [];
    const w = startWorker({
      nc,
      kind: 'diff',
      logger: quietLogger,
      handler: async (cmd) => {
        started.push(cmd.app.name);
        await new Promise<void>((r) => (release = r));
      },
    });
    await createPublisher(nc).command(diffCommand('draining'));
    await until(() => started.length === 1, 10_000, 'handler start');
    const stopping = w.stop();
    setTimeout(() => release(), 200);
    await stopping;
    expect(w.stats.handled).toBe(1);
    const info = await (await jetstreamManager(nc)).streams.info(Streams.Work);
    expect(info.state.messages).toBe(0);
  });

  it('reports its queue depth (pending and unacked) on /metrics', async () => {
    const releases: (() => void)[] = [];
    const w = startWorker({
      nc,
      kind: 'diff',
      logger: quietLogger,
      concurrency: 1,
      handler: () => new Promise<void>((r) => releases.push(r)),
    });
    workers.push(w);
    const pub = createPublisher(nc);
    for (let i = 0; i < 5; i++) await pub.command(diffCommand(`depth-${i}`));
    const depth = async () => {
      const m = (await register.getSingleMetric('flotilla_work_queue_depth')?.get())?.values ?? [];
      const of = (state: string) =>
        m.find((v) => v.labels['kind'] === 'diff' && v.labels['state'] === state)?.value;
      return { pending: of('pending'), unacked: of('unacked') };
    };
    // One message is being handled (the client may hold one more, delivered and unacked);
    // the rest wait in the queue.
    try {
      await waitFor(
        'all five counted',
        async () => {
          const d = await depth();
          return (d.pending ?? 0) + (d.unacked ?? 0) === 5 && (d.unacked ?? 0) >= 1;
        },
        { timeoutMs: 10_000 },
      );
    } finally {
      releases.forEach((r) => r());
    }
    while (releases.length > 0 || (await depth()).pending !== 0) {
      releases.splice(0).forEach((r) => r());
      await new Promise((r) => setTimeout(r, 50));
    }
    await waitFor('all settled', async () => (await depth()).unacked === 0, {
      timeoutMs: 10_000,
    });
  });

  it('survives a NATS restart without losing messages', async () => {
    const handled = new Set<string>();
    const conn = await connectBus({ servers: env.nats.url, name: 'restart' });
    connections.push(conn);
    workers.push(
      startWorker({
        nc: conn,
        kind: 'render',
        logger: quietLogger,
        handler: async (c) => void handled.add(c.reason),
      }),
    );
    const pub = createPublisher(nc);
    const send = (i: number) =>
      pub.command({
        version: 1,
        kind: 'render',
        app: { namespace: 'flotilla', name: 'r' },
        reason: `r${i}`,
      });
    for (let i = 0; i < 10; i++) await send(i);
    await until(() => handled.size === 10, 10_000, 'first batch');
    await env.nats.stop();
    await env.nats.restart();
    await until(
      () => !nc.isClosed() && (nc as any).protocol?.connected === true,
      20_000,
      'publisher reconnect',
    );
    for (let i = 10; i < 20; i++) await send(i);
    await until(() => handled.size === 20, 30_000, 'second batch after restart');
  });

  it('stops cleanly when stopped while still setting up its consumer', async () => {
    for (let i = 0; i < 5; i++) {
      const w = startWorker({
        nc,
        kind: 'diff',
        logger: quietLogger,
        handler: async () => undefined,
      });
      await w.stop();
    }
  });
});
