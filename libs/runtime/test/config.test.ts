import { describe, expect, it } from 'vitest';
import { ConfigError, compileRuntimeConfig, parseApplicationNamespaces } from '../src/index.js';

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
      applicationNamespaces: [],
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

  it('reads the shutdown deadline in seconds, and refuses one under a second', () => {
    expect(
      compileRuntimeConfig({ FLOTILLA_SHUTDOWN_TIMEOUT_SECONDS: '55' }, { cacheDir: '/c' })
        .shutdownTimeoutMs,
    ).toBe(55_000);
    expect(compileRuntimeConfig({}, { cacheDir: '/c' }).shutdownTimeoutMs).toBeUndefined();
    expect(() =>
      compileRuntimeConfig({ FLOTILLA_SHUTDOWN_TIMEOUT_SECONDS: '0' }, { cacheDir: '/c' }),
    ).toThrow(/FLOTILLA_SHUTDOWN_TIMEOUT_SECONDS: "0" must be a number of seconds, at least 1/);
  });

  it('reads the application namespaces as a comma-separated list, flags first', () => {
    expect(
      compileRuntimeConfig(
        { FLOTILLA_APPLICATION_NAMESPACES: ' team-*, /^qa-[0-9]+$/ ,,dev' },
        { cacheDir: '/c' },
      ).applicationNamespaces,
    ).toEqual(['team-*', '/^qa-[0-9]+$/', 'dev']);
    expect(
      compileRuntimeConfig(
        { FLOTILLA_APPLICATION_NAMESPACES: 'team-*' },
        { cacheDir: '/c', applicationNamespaces: ['dev'] },
      ).applicationNamespaces,
    ).toEqual(['dev']);
  });

  it('parses namespace patterns on their own, naming the setting they come from', () => {
    expect(parseApplicationNamespaces(' team-*, /^qa-/ ,')).toEqual(['team-*', '/^qa-/']);
    expect(parseApplicationNamespaces(undefined)).toEqual([]);
    expect(() =>
      parseApplicationNamespaces('Team_A', 'FLOTILLA_APPLICATIONSET_NAMESPACES'),
    ).toThrow(
      /FLOTILLA_APPLICATIONSET_NAMESPACES: "Team_A" is neither a namespace glob nor a \/regular expression\//,
    );
  });

  it('refuses an application namespace pattern that cannot match a namespace', () => {
    let err: unknown;
    try {
      compileRuntimeConfig(
        { FLOTILLA_APPLICATION_NAMESPACES: '/([/,Team_A,ok-*' },
        { cacheDir: '/c' },
      );
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const problems = (err as ConfigError).problems;
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/"\/\(\[\/" is not a regular expression/);
    expect(problems[1]).toMatch(
      /"Team_A" is neither a namespace glob nor a \/regular expression\//,
    );
  });
});
