import { readFileSync } from 'node:fs';
import { connect, credsAuthenticator, type NatsConnection } from '@nats-io/transport-node';
import type { Logger, NatsSecurity } from '@flotilla/runtime';

/** Options for {@link connectBus}. */
export interface BusConnectionOptions {
  readonly servers: string | string[];
  /** Client name shown by the server (role and pid help operators). */
  readonly name: string;
  readonly logger?: Logger;
  /** TLS trust and credentials (external NATS). */
  readonly security?: NatsSecurity;
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
    // Every request (each JetStream publish and double ack) otherwise builds an Error
    // up front for the stack of a timeout that rarely comes: 6-7% of a busy role's CPU.
    noAsyncTraces: true,
    ...securityOptions(options.security),
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

function securityOptions(s: NatsSecurity | undefined) {
  return {
    ...(s?.caFile ? { tls: { caFile: s.caFile } } : {}),
    ...(s?.credsFile ? { authenticator: credsAuthenticator(readFileSync(s.credsFile)) } : {}),
    ...(s?.user ? { user: s.user, pass: s.password } : {}),
  };
}
