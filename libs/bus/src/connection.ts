import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { Logger } from '@flotilla/runtime';

/** Options for {@link connectBus}. */
export interface BusConnectionOptions {
  readonly servers: string | string[];
  /** Client name shown by the server (role and pid help operators). */
  readonly name: string;
  readonly logger?: Logger;
}

/**
 * Connects to NATS and keeps reconnecting forever: a NATS restart pauses the
 * bus, it does not end it.
 */
export async function connectBus(options: BusConnectionOptions): Promise<NatsConnection> {
  const nc = await connect({
    servers: options.servers,
    name: options.name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    waitOnFirstConnect: false,
  });
  const logger = options.logger;
  if (logger) {
    void (async () => {
      for await (const s of nc.status()) {
        if (s.type === 'disconnect' || s.type === 'reconnect')
          logger.warn({ nats: s.type, server: s.server }, `nats ${s.type}`);
      }
    })();
  }
  return nc;
}
