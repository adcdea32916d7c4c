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

  it('reads the work ack wait in seconds, and refuses one that is not a number', () => {
    expect(
      compileRuntimeConfig({ FLOTILLA_WORK_ACK_WAIT_SECONDS: '8' }, { cacheDir: '/c' })
        .workAckWaitMs,
    ).toBe(8_000);
    expect(compileRuntimeConfig({}, { cacheDir: '/c' }).workAckWaitMs).toBeUndefined();
    expect(() =>
      compileRuntimeConfig({ FLOTILLA_WORK_ACK_WAIT_SECONDS: 'soon' }, { cacheDir: '/c' }),
    ).toThrow(/FLOTILLA_WORK_ACK_WAIT_SECONDS: "soon" must be a number of seconds/);
  });
});
