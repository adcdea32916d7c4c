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
  }).catch((err: Error) => {
    // nats.js says only "Authorization Violation" or "CONNECTION_REFUSED".
    throw new Error(`NATS at ${serverList(options.servers)}: ${err.message}`, { cause: err });
  });
  const logger = options.logger;
  void (async () => {
    for await (const s of nc.status()) {
      if (s.type === 'disconnect' || s.type === 'reconnect')
        logger?.warn({ nats: s.type, server: s.server }, `nats ${s.type}`);
      // While the client reconnects the bus is paused: the role is not ready.
      if (s.type === 'disconnect') problems.set(nc, `NATS connection to ${s.server} lost`);
      else if (s.type === 'reconnect') problems.delete(nc);
      else if (s.type === 'error' && problems.has(nc))
        problems.set(nc, `NATS connection lost: ${s.error.message}`);
    }
  })();
  return nc;
}

const problems = new WeakMap<NatsConnection, string>();

/**
 * Why `nc` (made by {@link connectBus}) cannot carry messages now ("NATS
 * connection to 127.0.0.1:4222 lost"), or undefined while it is connected.
 */
export function busProblem(nc: NatsConnection): string | undefined {
  if (nc.isClosed()) return 'NATS connection closed';
  return problems.get(nc);
}

function serverList(servers: string | string[]): string {
  return (Array.isArray(servers) ? servers : [servers]).map(withoutCredentials).join(', ');
}

/** A server URL without a user or password in it (nats://user:pass@host). */
function withoutCredentials(server: string): string {
  return server.replace(/^([a-z]+:\/\/)?[^@/]*@/i, '$1');
}

function securityOptions(s: NatsSecurity | undefined) {
  return {
    ...(s?.caFile ? { tls: { caFile: s.caFile } } : {}),
    ...(s?.credsFile ? { authenticator: credsAuthenticator(readFileSync(s.credsFile)) } : {}),
    ...(s?.user ? { user: s.user, pass: s.password } : {}),
  };
}
