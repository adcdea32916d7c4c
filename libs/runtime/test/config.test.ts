import { describe, expect, it } from 'vitest';
import { ConfigError, compileRuntimeConfig } from '../src/index.js';

describe('compileRuntimeConfig', () => {
  it('takes flags over the environment over defaults', () => {
    const c = compileRuntimeConfig(
      { FLOTILLA_NATS_URL: 'nats://env:4222', FLOTILLA_NAMESPACE: 'apps' },
      { natsUrl: 'nats://flag:4222', cacheDir: '/c' },
    );
    expect(c).toEqual({
      natsUrl: 'nats://flag:4222',
      redisUrl: 'redis://127.0.0.1:6379',
      kubeconfig: undefined,
      namespace: 'apps',
      logLevel: 'info',
      cacheDir: '/c',
    });
  });

  it('lists every problem at once, naming the flag and the variable', () => {
    let err: unknown;
    try {
      compileRuntimeConfig(
        {
          FLOTILLA_NATS_URL: 'bogus',
          FLOTILLA_REDIS_URL: 'http://x',
          FLOTILLA_NAMESPACE: 'Bad_NS',
          FLOTILLA_LOG_LEVEL: 'loud',
        },
        { cacheDir: '/c' },
      );
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems).toHaveLength(4);
    expect((err as Error).message).toContain(
      '--nats-url / FLOTILLA_NATS_URL: "bogus" is not a URL',
    );
    expect((err as Error).message).toContain('--namespace / FLOTILLA_NAMESPACE');
  });
});
