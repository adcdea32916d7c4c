// The connections every Redis-using role makes from its configuration, and
// the one answer to "can it work now?" that its /readyz gives.
import type { NatsConnection } from '@nats-io/transport-node';
import { Redis } from 'ioredis';
import {
  redisClientOptions,
  redisProblem,
  type Logger,
  type RuntimeConfig,
} from '@flotilla/runtime';
import { busProblem, connectBus } from './connection.js';

/** A role's NATS and Redis connections. */
export interface RoleConnections {
  readonly nc: NatsConnection;
  readonly redis: Redis;
  /** Why the role cannot work now (either connection down or refused), else undefined. */
  problem(): string | undefined;
  /** Drains NATS (in-flight publishes are sent) and drops Redis. */
  close(): Promise<void>;
}

/**
 * Connects role `name` to NATS (named so in the server's connection list)
 * and Redis, each with the configured credentials and TLS. A Redis error is
 * logged and retried by the client; a NATS refusal at start throws.
 */
export async function connectRole(
  name: string,
  config: RuntimeConfig,
  logger: Logger,
): Promise<RoleConnections> {
  const nc = await connectBus({
    servers: config.natsUrl,
    name,
    logger,
    security: config.natsSecurity,
  });
  const redis = new Redis(config.redisUrl, {
    maxRetriesPerRequest: 2,
    ...redisClientOptions(config.redisSecurity),
  });
  redis.on('error', (err) => logger.warn({ err: err.message }, 'redis error'));
  return {
    nc,
    redis,
    problem: () => busProblem(nc) ?? redisProblem(redis),
    async close() {
      await nc.drain();
      redis.disconnect();
    },
  };
}
