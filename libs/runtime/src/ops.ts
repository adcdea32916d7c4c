import { createServer, type Server } from 'node:http';
import { collectDefaultMetrics, register, type Registry } from 'prom-client';

/** Options for {@link startOpsServer}. */
export interface OpsServerOptions {
  /** `host:port`; port 0 picks a free one. */
  readonly addr: string;
  /**
   * True once the process can do its work (connections made, caches filled);
   * otherwise false, or why not (shown in the `/readyz` answer).
   */
  readonly ready: () => boolean | string;
  /** Registry to expose; prom-client's default (where every role registers) unless set. */
  readonly registry?: Registry;
}

/** A running ops server. */
export interface OpsServer {
  readonly port: number;
  close(): Promise<void>;
}

let defaultsCollected = false;

/**
 * Serves `/healthz` (the process runs), `/readyz` (it can work) and Prometheus
 * `/metrics` on one port, for probes and scrapers.
 */
export async function startOpsServer(options: OpsServerOptions): Promise<OpsServer> {
  const registry = options.registry ?? register;
  if (!options.registry && !defaultsCollected) {
    collectDefaultMetrics({ prefix: 'flotilla_' });
    defaultsCollected = true;
  }
  const server: Server = createServer((req, res) => {
    const path = req.url?.split('?')[0];
    if (path === '/healthz')
      return void res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
    if (path === '/readyz') {
      const ok = options.ready();
      return void res
        .writeHead(ok === true ? 200 : 503, { 'content-type': 'text/plain' })
        .end(ok === true ? 'ready\n' : ok ? `not ready: ${ok}\n` : 'not ready\n');
    }
    if (path === '/metrics') {
      registry
        .metrics()
        .then((text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text))
        .catch((err: Error) => res.writeHead(500).end(err.message));
      return;
    }
    res.writeHead(404).end();
  });
  const [host, port] = options.addr.split(':');
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(Number(port), host || '0.0.0.0', resolve);
  });
  const addr = server.address();
  return {
    port: typeof addr === 'object' && addr ? addr.port : 0,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
