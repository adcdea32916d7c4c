// Work-queue throughput and end-to-end latency of the Flotilla bus on this
// machine, next to raw JetStream (publish + consume + ack, with no decoding,
// validation, heartbeats or outcome mapping) in the same run, on a private
// nats-server with file storage.
//   npx tsx bench/bus/throughput.ts [messages=20000] [workers=3] [concurrency=16]
// Throughput: publish everything as fast as possible, time until all are handled.
// Latency: publish at a steady 500 msg/s (below saturation), time publish → handler.
import { jetstream, jetstreamManager, AckPolicy, RetentionPolicy } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { connectBus, createPublisher, provisionBus, startWorker } from '@flotilla/bus';
import { createLogger } from '@flotilla/runtime';
import { startNatsServer } from '@flotilla/testing';

const total = Number(process.argv[2] ?? 20_000);
const workerCount = Number(process.argv[3] ?? 3);
const concurrency = Number(process.argv[4] ?? 16);
const paced = 2_000;
const logger = createLogger({ name: 'bench', level: 'silent' });
const now = () => performance.timeOrigin + performance.now();

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0;
};

async function burst(n: number, send: (i: number) => Promise<unknown>) {
  for (let i = 0; i < n; i += 256)
    await Promise.all(Array.from({ length: Math.min(256, n - i) }, (_, j) => send(i + j)));
}
async function steady(n: number, perSecond: number, send: (i: number) => Promise<unknown>) {
  const start = performance.now();
  for (let i = 0; i < n; i++) {
    const due = start + (i * 1000) / perSecond;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    void send(i);
  }
}

/** A consumer under test: start it, then it calls `onMessage(sentAt)` per message. */
type Case = {
  name: string;
  start(onMessage: (sentAt: number) => void): Promise<() => Promise<void>>;
  send(i: number): Promise<unknown>;
};

async function measure(c: Case) {
  let handled = 0;
  let target = 0;
  let lat: number[] = [];
  let resolve!: () => void;
  let all = new Promise<void>((r) => (resolve = r));
  const stop = await c.start((sentAt) => {
    lat.push(now() - sentAt);
    if (++handled === target) resolve();
  });
  target = total;
  const t0 = performance.now();
  await burst(total, c.send);
  await all;
  const ms = performance.now() - t0;
  handled = 0;
  target = paced;
  lat = [];
  all = new Promise<void>((r) => (resolve = r));
  await steady(paced, 500, c.send);
  await all;
  await stop();
  console.log(
    `${c.name.padEnd(34)} ${String(Math.round((total / ms) * 1000)).padStart(7)} msg/s   ` +
      `p50 ${pct(lat, 50).toFixed(2).padStart(6)} ms   p99 ${pct(lat, 99).toFixed(2).padStart(6)} ms`,
  );
}

await using nats = await startNatsServer();
const nc = await connectBus({ servers: nats.url, name: 'bench' });
await provisionBus(nc);
const pub = createPublisher(nc);
const js = jetstream(nc);
const conns: NatsConnection[] = await Promise.all(
  Array.from({ length: workerCount }, (_, i) => connectBus({ servers: nats.url, name: `w${i}` })),
);

console.log(
  `${total} messages burst, ${paced} at 500 msg/s; ${workerCount} workers x ${concurrency}; nats-server at ${nats.url}`,
);

await measure({
  name: `flotilla startWorker (${workerCount}x${concurrency})`,
  async start(onMessage) {
    const workers = conns.map((c) =>
      startWorker({
        nc: c,
        kind: 'diff',
        logger,
        concurrency,
        handler: async (cmd) => onMessage(Number(cmd.reason)),
      }),
    );
    return async () => void (await Promise.all(workers.map((w) => w.stop())));
  },
  send: (i) =>
    pub.command({
      version: 1,
      kind: 'diff',
      app: { namespace: 'bench', name: `app-${i % 100}` },
      reason: String(now()),
    }),
});

await measure({
  name: `raw JetStream consume + ack (${workerCount}x)`,
  async start(onMessage) {
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({
      name: 'BENCH_RAW',
      subjects: ['bench.raw.>'],
      retention: RetentionPolicy.Workqueue,
    });
    await jsm.consumers.add('BENCH_RAW', {
      durable_name: 'raw',
      ack_policy: AckPolicy.Explicit,
      max_ack_pending: 1024,
    });
    const loops = conns.map(async (c) => {
      const messages = await (
        await jetstream(c).consumers.get('BENCH_RAW', 'raw')
      ).consume({ max_messages: concurrency });
      for await (const m of messages) {
        onMessage(Number(m.string()));
        m.ack();
      }
      return messages;
    });
    return async () => {
      await Promise.all(conns.map((c) => c.drain()));
      await Promise.allSettled(loops);
    };
  },
  send: (i) => js.publish(`bench.raw.app-${i % 100}`, String(now())),
});
await nc.close();
