import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';

/** Basic-auth credentials the fixture server demands, when set. */
export interface BasicAuth {
  readonly username: string;
  readonly password: string;
}

/** A smart-HTTP Git server over `git http-backend`, serving every bare repo under one root. */
export interface GitHttpServer extends AsyncDisposable {
  /** Base URL, e.g. `http://127.0.0.1:40123`; a repo is `${baseUrl}/<name>.git`. */
  readonly baseUrl: string;
  /** Number of requests served, by path suffix (`info/refs`, `git-upload-pack`). */
  readonly requests: { infoRefs: number; uploadPack: number };
  /** Number of requests of any kind, by repository name (`apps` for `/apps.git/...`). */
  readonly requestsByRepo: ReadonlyMap<string, number>;
  /** Demands other credentials from now on (a rotated password); undefined for none. */
  setAuth(auth: BasicAuth | undefined): void;
}

/** The repository a request path names: `/apps.git/info/refs` → `apps`. */
function repoOf(pathname: string): string {
  const first = pathname.split('/').find((s) => s !== '') ?? '';
  return first.endsWith('.git') ? first.slice(0, -'.git'.length) : first;
}

/** True when the request carries `auth` as Basic credentials (or none are demanded). */
export function authorised(req: IncomingMessage, auth: BasicAuth | undefined): boolean {
  if (!auth) return true;
  const header = req.headers.authorization ?? '';
  if (!header.startsWith('Basic ')) return false;
  const given = Buffer.from(header.slice(6), 'base64');
  const want = Buffer.from(`${auth.username}:${auth.password}`);
  return given.length === want.length && timingSafeEqual(given, want);
}

function handle(
  root: string,
  current: () => BasicAuth | undefined,
  counts: GitHttpServer['requests'],
  byRepo: Map<string, number>,
) {
  return (req: IncomingMessage, res: ServerResponse) => {
    const repo = repoOf(new URL(req.url ?? '/', 'http://localhost').pathname);
    byRepo.set(repo, (byRepo.get(repo) ?? 0) + 1);
    const auth = current();
    if (!authorised(req, auth)) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="git"' }).end();
      return;
    }
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname.endsWith('/info/refs')) counts.infoRefs++;
    if (url.pathname.endsWith('/git-upload-pack')) counts.uploadPack++;
    const cgi = spawn('git', ['http-backend'], {
      env: {
        PATH: process.env['PATH'],
        GIT_PROJECT_ROOT: root,
        GIT_HTTP_EXPORT_ALL: '1',
        PATH_INFO: decodeURIComponent(url.pathname),
        QUERY_STRING: url.search.slice(1),
        REQUEST_METHOD: req.method ?? 'GET',
        CONTENT_TYPE: req.headers['content-type'] ?? '',
        REMOTE_ADDR: req.socket.remoteAddress ?? '127.0.0.1',
        REMOTE_USER: auth?.username ?? '',
        GIT_PROTOCOL: String(req.headers['git-protocol'] ?? ''),
        HTTP_CONTENT_ENCODING: String(req.headers['content-encoding'] ?? ''),
      },
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    req.pipe(cgi.stdin);
    let head = Buffer.alloc(0);
    let headersDone = false;
    cgi.stdout.on('data', (chunk: Buffer) => {
      if (headersDone) {
        res.write(chunk);
        return;
      }
      head = Buffer.concat([head, chunk]);
      const sep = head.indexOf('\r\n\r\n');
      if (sep < 0) return;
      headersDone = true;
      let status = 200;
      const headers: Record<string, string> = {};
      for (const line of head.subarray(0, sep).toString('utf8').split('\r\n')) {
        const i = line.indexOf(':');
        if (i < 0) continue;
        const key = line.slice(0, i).trim();
        const value = line.slice(i + 1).trim();
        if (key.toLowerCase() === 'status') status = Number.parseInt(value, 10);
        else headers[key] = value;
      }
      res.writeHead(status, headers);
      res.write(head.subarray(sep + 4));
    });
    cgi.stdout.on('end', () => res.end());
    cgi.on('error', () => res.writeHead(500).end());
  };
}

/** Serves the bare repositories under `root` over smart HTTP, optionally behind basic auth. */
export async function startGitHttpServer(root: string, auth?: BasicAuth): Promise<GitHttpServer> {
  const requests = { infoRefs: 0, uploadPack: 0 };
  const requestsByRepo = new Map<string, number>();
  let demanded = auth;
  const server = createServer(handle(root, () => demanded, requests, requestsByRepo));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    requestsByRepo,
    setAuth(next) {
      demanded = next;
    },
    async [Symbol.asyncDispose]() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
