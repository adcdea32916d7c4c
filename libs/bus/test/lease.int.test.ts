import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { startEnv, type TestEnv } from '@flotilla/testing';
import { LeaseManager, StaleLeaseError, type Lease } from '../src/index.js';
import { until } from './helpers.js';

describe('per-application leases in a real Redis', () => {
  let env: TestEnv;
  const clients: Redis[] = [];
  const client = () => {
    const r = new Redis(env.redis.url);
    clients.push(r);
    return r;
  };

  beforeAll(async () => {
    env = await startEnv({ redis: true });
  });
  afterAll(async () => {
    clients.forEach((c) => c.disconnect());
    await env[Symbol.asyncDispose]();
  });

  it('1,000 contended acquisitions never overlap, even when holders die', async () => {
    const key = 'flotilla/contended';
    // The TTL must outlast a holder's three Redis calls on a loaded machine (at 150 ms a
    // lease lapsed inside its critical section at a load average of 20); each dead
    // holder then costs one TTL of waiting.
    const contenders = Array.from(
      { length: 4 },
      () => new LeaseManager(client(), { ttlMs: 1_000 }),
    );
    const counter = client();
    let acquisitions = 0;
    let overlaps = 0;
    let died = 0;
    let staleRefused = 0;
    const dead: Lease[] = [];
    const run = async (leases: LeaseManager, id: number) => {
      while (acquisitions < 1000) {
        const lease = await leases.tryAcquire(key, `c${id}`, { autoRenew: false });
        if (!lease) {
          await new Promise((r) => setTimeout(r, 1));
          continue;
        }
        acquisitions++;
        // The shared critical section: at most one holder may be inside.
        if ((await counter.incr('inside')) !== 1) overlaps++;
        await lease.fencedSet('flotilla/contended:owner', `c${id}:${lease.token}`);
        if (acquisitions % 100 === 0) {
          // This holder "dies": it leaves without releasing, so the lease must lapse.
          died++;
          await counter.decr('inside');
          dead.push(lease);
          continue;
        }
        await counter.decr('inside');
        await lease.release();
      }
    };
    await Promise.all(contenders.map((c, i) => run(c, i)));
    // A newcomer waits for the last dead holder's lease to lapse, making every dead token stale.
    const last = await contenders[0]!.acquire(key, 'newcomer');
    for (const lease of dead) {
      await lease.fencedSet('flotilla/contended:owner', 'zombie').catch((e: unknown) => {
        if (e instanceof StaleLeaseError) staleRefused++;
      });
    }
    expect(acquisitions).toBeGreaterThanOrEqual(1000);
    expect(overlaps).toBe(0);
    expect(died).toBe(10);
    expect(staleRefused).toBe(10);
    expect(await contenders[0]!.currentToken(key)).toBe(acquisitions + 1);
    await last.fencedSet('flotilla/contended:owner', 'newcomer');
    await last.release();
  });

  it('a killed holder loses the lease after its TTL and its stale token is refused', async () => {
    const key = 'flotilla/killed';
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        join(import.meta.dirname, 'fixtures', 'lease-holder.ts'),
        env.redis.url,
        key,
        '500',
      ],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    await until(() => out.includes('token'), 20_000, 'child lease');
    const childToken = Number(/token (\d+)/.exec(out)?.[1]);
    const leases = new LeaseManager(client(), { ttlMs: 500 });
    // While the child lives and renews, nobody else gets the lease.
    await new Promise((r) => setTimeout(r, 800));
    expect(await leases.tryAcquire(key, 'parent')).toBeUndefined();
    child.kill('SIGKILL');
    const start = Date.now();
    const lease = await leases.acquire(key, 'parent');
    expect(Date.now() - start).toBeLessThan(2_000);
    expect(lease.token).toBeGreaterThan(childToken);
    // A write carrying the dead holder's token is refused by the fencing check.
    const counterKey = 'flotilla:lease:flotilla/killed:token';
    expect(Number(await client().get(counterKey))).toBe(lease.token);
    await expect(
      client().eval(
        "if tonumber(redis.call('GET', KEYS[1])) ~= tonumber(ARGV[1]) then return 0 end return 1",
        1,
        counterKey,
        childToken,
      ),
    ).resolves.toBe(0);
    await lease.fencedSet('flotilla/killed:state', 'parent');
    expect(await leases.currentToken(key)).toBe(lease.token);
    await lease.release();
  });

  it('renewal keeps a lease alive past its TTL; release frees it at once', async () => {
    const leases = new LeaseManager(client(), { ttlMs: 200 });
    const lease = await leases.acquire('flotilla/renewed', 'a');
    await new Promise((r) => setTimeout(r, 600));
    expect(lease.lost.aborted).toBe(false);
    expect(await leases.tryAcquire('flotilla/renewed', 'b')).toBeUndefined();
    await lease.release();
    const next = await leases.tryAcquire('flotilla/renewed', 'b');
    expect(next?.token).toBe(lease.token + 1);
    await next?.release();
  });

  it('a holder whose lease was taken learns it on renewal', async () => {
    const leases = new LeaseManager(client(), { ttlMs: 100 });
    const first = await leases.acquire('flotilla/lost', 'a');
    await first.release(); // stop the timer, then simulate a lapse-and-takeover:
    const second = await leases.acquire('flotilla/lost', 'b');
    expect(await first.renew()).toBe(false);
    await expect(first.fencedSet('flotilla/lost:state', 'a')).rejects.toBeInstanceOf(
      StaleLeaseError,
    );
    await second.release();
  });

  it('a waiter takes a released lease at once, from another connection, without waiting out the TTL', async () => {
    // A two-minute TTL: a waiter that slept until the lease lapsed would never finish in this test.
    const holder = new LeaseManager(client(), { ttlMs: 120_000 });
    const waiter = new LeaseManager(client(), { ttlMs: 120_000 });
    const held = await holder.acquire('flotilla/handover', 'a');
    let taken: Lease | undefined;
    const waiting = waiter
      .acquire('flotilla/handover', 'b', { pollMs: 120_000 })
      .then((l) => (taken = l));
    await new Promise((r) => setTimeout(r, 300));
    expect(taken).toBeUndefined();
    await held.release();
    await waiting;
    expect(taken?.token).toBe(held.token + 1);
    await taken?.release();

    // A waiter that gives up (its signal aborts) stops waiting.
    const again = await holder.acquire('flotilla/handover', 'a');
    const stop = new AbortController();
    const given = waiter.acquire('flotilla/handover', 'c', { signal: stop.signal });
    stop.abort(new Error('given up'));
    await expect(given).rejects.toThrow('given up');
    await again.release();
  });
});
