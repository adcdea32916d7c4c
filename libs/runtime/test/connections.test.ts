import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, compileRuntimeConfig, redisClientOptions } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'flotilla-conn-'));
const ca = join(dir, 'ca.crt');
writeFileSync(ca, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');

describe('NATS and Redis TLS and credentials', () => {
  it('reads them from the environment', () => {
    const c = compileRuntimeConfig(
      {
        FLOTILLA_NATS_CA_FILE: ca,
        FLOTILLA_NATS_USER: 'flotilla',
        FLOTILLA_NATS_PASSWORD: 's3cret',
        FLOTILLA_REDIS_CA_FILE: ca,
        FLOTILLA_REDIS_PASSWORD: 'r3dis',
      },
      { cacheDir: '/c' },
    );
    expect(c.natsSecurity).toEqual({ caFile: ca, user: 'flotilla', password: 's3cret' });
    expect(c.redisSecurity).toEqual({ caFile: ca, password: 'r3dis' });
    const redis = redisClientOptions(c.redisSecurity);
    expect(redis.password).toBe('r3dis');
    expect(redis.tls?.ca.toString()).toContain('BEGIN CERTIFICATE');
  });

  it('leaves them out when unset, so plain local servers need nothing', () => {
    const c = compileRuntimeConfig({ FLOTILLA_NATS_USER: '' }, { cacheDir: '/c' });
    expect(c.natsSecurity).toBeUndefined();
    expect(c.redisSecurity).toBeUndefined();
    expect(redisClientOptions(undefined)).toEqual({ enableAutoPipelining: true });
  });

  it('names an unreadable file and a half pair, and never echoes a password', () => {
    let err: unknown;
    try {
      compileRuntimeConfig(
        {
          FLOTILLA_NATS_CREDS_FILE: join(dir, 'missing.creds'),
          FLOTILLA_NATS_PASSWORD: 'hunter2',
          FLOTILLA_REDIS_USERNAME: 'app',
        },
        { cacheDir: '/c' },
      );
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const message = (err as Error).message;
    expect(message).toContain(
      `FLOTILLA_NATS_CREDS_FILE: cannot read ${join(dir, 'missing.creds')} (ENOENT)`,
    );
    expect(message).toContain('FLOTILLA_NATS_USER and FLOTILLA_NATS_PASSWORD go together');
    expect(message).toContain('FLOTILLA_REDIS_USERNAME needs FLOTILLA_REDIS_PASSWORD');
    expect(message).not.toContain('hunter2');
  });
});
