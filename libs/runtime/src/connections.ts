import { readFileSync } from 'node:fs';

/** How a process authenticates to NATS and which CA it trusts (external NATS in production). */
export interface NatsSecurity {
  /** PEM bundle that signs the server certificate; turns TLS on. */
  readonly caFile?: string;
  /** A NATS credentials file (user JWT and nkey seed). */
  readonly credsFile?: string;
  readonly user?: string;
  readonly password?: string;
}

/** How a process authenticates to Redis and which CA it trusts. */
export interface RedisSecurity {
  /** PEM bundle that signs the server certificate; use with a `rediss://` URL. */
  readonly caFile?: string;
  readonly username?: string;
  readonly password?: string;
}

const set = (v: string | undefined) => (v === undefined || v === '' ? undefined : v);

/** Reads the NATS and Redis security settings from the environment (entry points only). */
export function connectionSecurityFromEnv(env: Readonly<Record<string, string | undefined>>): {
  nats: NatsSecurity;
  redis: RedisSecurity;
} {
  const pick = <T extends object>(o: Record<string, string | undefined>): T =>
    Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
  return {
    nats: pick<NatsSecurity>({
      caFile: set(env['FLOTILLA_NATS_CA_FILE']),
      credsFile: set(env['FLOTILLA_NATS_CREDS_FILE']),
      user: set(env['FLOTILLA_NATS_USER']),
      password: set(env['FLOTILLA_NATS_PASSWORD']),
    }),
    redis: pick<RedisSecurity>({
      caFile: set(env['FLOTILLA_REDIS_CA_FILE']),
      username: set(env['FLOTILLA_REDIS_USERNAME']),
      password: set(env['FLOTILLA_REDIS_PASSWORD']),
    }),
  };
}

/** Problems with the settings, for {@link ConfigError}: files that cannot be read, half pairs. */
export function checkConnectionSecurity(nats: NatsSecurity, redis: RedisSecurity): string[] {
  const problems: string[] = [];
  const readable = (name: string, file: string | undefined) => {
    if (file === undefined) return;
    try {
      readFileSync(file);
    } catch (err) {
      problems.push(`${name}: cannot read ${file} (${(err as NodeJS.ErrnoException).code})`);
    }
  };
  readable('FLOTILLA_NATS_CA_FILE', nats.caFile);
  readable('FLOTILLA_NATS_CREDS_FILE', nats.credsFile);
  readable('FLOTILLA_REDIS_CA_FILE', redis.caFile);
  if ((nats.user === undefined) !== (nats.password === undefined))
    problems.push('FLOTILLA_NATS_USER and FLOTILLA_NATS_PASSWORD go together');
  if (nats.credsFile && nats.user)
    problems.push('FLOTILLA_NATS_CREDS_FILE and FLOTILLA_NATS_USER exclude each other');
  if (redis.username && !redis.password)
    problems.push('FLOTILLA_REDIS_USERNAME needs FLOTILLA_REDIS_PASSWORD');
  return problems;
}

/**
 * The ioredis options of a role's client (spread into the client's options):
 * these security settings, and commands issued in the same tick written to
 * the socket together. ioredis writes each command on its own otherwise, and
 * at thousands of apps those writes were a tenth of a busy role's CPU.
 */
export function redisClientOptions(security: RedisSecurity | undefined): {
  enableAutoPipelining: true;
  tls?: { ca: Buffer };
  username?: string;
  password?: string;
} {
  return {
    enableAutoPipelining: true,
    ...(security?.caFile ? { tls: { ca: readFileSync(security.caFile) } } : {}),
    ...(security?.username ? { username: security.username } : {}),
    ...(security?.password ? { password: security.password } : {}),
  };
}

/**
 * Why a Redis client cannot serve commands now ("Redis connection
 * reconnecting"), or undefined while it is ready: ioredis is ready only once
 * the server accepted its credentials.
 */
export function redisProblem(client: { readonly status: string }): string | undefined {
  return client.status === 'ready' ? undefined : `Redis connection ${client.status}`;
}
