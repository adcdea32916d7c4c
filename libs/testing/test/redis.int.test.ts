import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { startEnv, type TestEnv } from '../src/index.js';

describe('a private redis-server', () => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await startEnv({ redis: true });
  });
  afterAll(async () => {
    await env[Symbol.asyncDispose]();
  });

  it('round-trips a value and is not the machine Redis', async () => {
    expect(env.redis.port).not.toBe(6379);
    const redis = new Redis(env.redis.url);
    try {
      await redis.set('flotilla:test', 'hello', 'PX', 10_000);
      expect(await redis.get('flotilla:test')).toBe('hello');
      expect(await redis.pttl('flotilla:test')).toBeGreaterThan(0);
    } finally {
      redis.disconnect();
    }
  });
});
