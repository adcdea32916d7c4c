// The hook hand-over against a real Redis: specs round-trip, the first
// verdict wins, and everything expires with the operation.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { startEnv, type TestEnv } from '@flotilla/testing';
import { HookStore, hookStoreKeys, type HookSpec } from '../src/index.js';

const spec = (name: string, wave = 0): HookSpec => ({
  key: { group: 'batch', kind: 'Job', namespace: 'shop', name },
  object: { apiVersion: 'batch/v1', kind: 'Job', metadata: { name, namespace: 'shop' } },
  hookType: 'PreSync',
  wave,
  timeoutMs: 300_000,
});

describe('HookStore', () => {
  let env: TestEnv;
  let redis: Redis;
  let store: HookStore;
  beforeAll(async () => {
    env = await startEnv({ redis: true });
    redis = new Redis(env.redis.url);
    store = new HookStore(redis, 'test:hooks:', 60);
  });
  afterAll(async () => {
    redis?.disconnect();
    await env?.[Symbol.asyncDispose]();
  });

  it('hands the specs of a step over under the operation, for a day (here a minute)', async () => {
    await store.putSpecs('op-1', [spec('migrate-abc12'), spec('seed-abc12', 1)]);
    expect(await store.spec('op-1', spec('seed-abc12').key)).toEqual(spec('seed-abc12', 1));
    expect(await store.spec('op-1', spec('absent').key)).toBeUndefined();
    expect(await store.spec('op-2', spec('migrate-abc12').key)).toBeUndefined();
    const { specs } = hookStoreKeys('op-1', 'test:hooks:');
    expect(await redis.hlen(specs)).toBe(2);
    const ttl = await redis.ttl(specs);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60);
  });

  it('writes nothing for a step without hooks', async () => {
    await store.putSpecs('op-empty', []);
    expect(await redis.exists(hookStoreKeys('op-empty', 'test:hooks:').specs)).toBe(0);
  });

  it('keeps the first verdict: a terminate recorded first is not overwritten by a late success', async () => {
    const key = spec('migrate-abc12').key;
    expect(await store.verdict('op-1', key)).toBeUndefined();
    await store.putVerdict('op-1', key, { phase: 'Failed', message: 'Operation terminated' });
    await store.putVerdict('op-1', key, { phase: 'Succeeded', message: 'done', logTail: 'ok\n' });
    expect(await store.verdict('op-1', key)).toEqual({
      phase: 'Failed',
      message: 'Operation terminated',
    });
    const ttl = await redis.ttl(hookStoreKeys('op-1', 'test:hooks:').verdicts);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60);
  });
});
