import { createReadStream } from 'node:fs';
import { mkdir, stat, writeFile } from 'node:fs/promises';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { join, normalize } from 'node:path';
import { authorised, type BasicAuth } from './git-server.js';
import { testHelm } from './registry.js';
import type { TestCa } from './tls.js';

/** How the test Helm repository serves. */
export interface HelmRepoOptions {
  /** Basic auth the server demands; a random user unless `false`. */
  readonly auth?: BasicAuth | false;
  /** HTTPS from the env's CA; true unless set. */
  readonly tls?: boolean;
  /** Demand a client certificate signed by the env's CA (mutual TLS). */
  readonly clientCert?: boolean;
}

/** A static Helm chart repository whose index.yaml is made by the real `helm repo index`. */
export interface TestHelmRepo extends AsyncDisposable {
  /** Base URL, what a source's `repoURL` is. */
  readonly url: string;
  readonly auth: BasicAuth | undefined;
  /** Requests served, by path (`/index.yaml`, `/app-1.0.0.tgz`). */
  readonly requests: Map<string, number>;
  /** Packages `chartDir` with helm into the repository and rebuilds index.yaml. */
  publish(chartDir: string): Promise<void>;
  /** Writes a file as is (a broken index, a hostile tarball). */
  write(name: string, content: string | Buffer): Promise<void>;
  /** Stops answering (connections refused) until {@link start}. */
  stop(): Promise<void>;
  start(): Promise<void>;
}

/** Serves `root` read-only behind basic auth (and client certificates when asked). */
export async function startHelmRepo(
  root: string,
  ca: TestCa,
  options: HelmRepoOptions = {},
): Promise<TestHelmRepo> {
  await mkdir(root, { recursive: true });
  const auth =
    options.auth === false
      ? undefined
      : (options.auth ?? {
          username: 'charts',
          password: `pw-${Math.random().toString(36).slice(2)}`,
        });
  const requests = new Map<string, number>();
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
      requests.set(path, (requests.get(path) ?? 0) + 1);
      if (options.clientCert && !(req.socket as TLSSocket).authorized) {
        res.writeHead(403).end('client certificate required');
        return;
      }
      if (!authorised(req, auth)) {
        res.writeHead(401, { 'www-authenticate': 'Basic realm="charts"' }).end();
        return;
      }
      const file = normalize(join(root, path));
      const info = file.startsWith(root) ? await stat(file).catch(() => undefined) : undefined;
      if (!info?.isFile()) {
        res.writeHead(404).end('not found');
        return;
      }
      res.writeHead(200, { 'content-length': info.size });
      createReadStream(file).pipe(res);
    })();
  };
  const tls = options.tls ?? true;
  const server = tls
    ? createHttpsServer(
        {
          cert: ca.server.cert,
          key: ca.server.key,
          ca: ca.caPem,
          requestCert: options.clientCert ?? false,
          rejectUnauthorized: false,
        },
        handler,
      )
    : createHttpServer(handler);
  let port = 0;
  const start = () =>
    new Promise<void>((resolve) =>
      server.listen(port, '127.0.0.1', () => {
        const addr = server.address();
        port = typeof addr === 'object' && addr ? addr.port : port;
        resolve();
      }),
    );
  const stop = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  await start();
  const helm = await testHelm(join(root, '..', 'helm-repo-home'));
  return {
    url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    auth,
    requests,
    async publish(chartDir) {
      await helm(['package', chartDir, '--destination', root]);
      await helm(['repo', 'index', root]);
    },
    write: (name, content) => writeFile(join(root, name), content),
    stop,
    start,
    [Symbol.asyncDispose]: () => (server.listening ? stop() : Promise.resolve()),
  };
}
