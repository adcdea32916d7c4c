import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { appMetrics } from '@flotilla/runtime';
import { RenderError } from '../errors.js';

/** TLS settings of one repository (from its Secret and the trusted CAs). */
export interface RepoTls {
  /** Extra trusted CA certificates (PEM), beside the system's. */
  readonly ca?: string;
  readonly cert?: string;
  readonly key?: string;
  /** Skip verification (Argo CD's `insecure`). */
  readonly insecure?: boolean;
}

/** One GET. */
export interface GetOptions {
  readonly headers?: Readonly<Record<string, string>>;
  readonly tls: RepoTls;
  /** Refuse a body larger than this. */
  readonly maxBytes: number;
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
  /** What is fetched, for messages ("index.yaml of https://host/charts"). */
  readonly what: string;
  /** `HEAD` asks for the headers only (an OCI manifest's digest); GET unless set. */
  readonly method?: 'GET' | 'HEAD';
}

/** An HTTP answer, body read in full. */
export interface GetResult {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  /** The URL that answered, after redirects. */
  readonly url: string;
}

const MAX_REDIRECTS = 5;

// A request that got no answer in time: still RepositoryUnreachable to the caller, `Timeout` in the metrics.
class TimeoutError extends Error {
  override readonly name = 'TimeoutError';
}

/** What a call to a chart source is for: the `op` label of its metrics. */
export type ChartOp = 'index' | 'archive' | 'token' | 'tags' | 'manifest' | 'blob';

/**
 * The `outcome` label of a failed chart source call: one of a closed set,
 * named as Git's are (`AuthFailed`, `NotFound`, `Unreachable`, `Timeout`,
 * `TooLarge`, `Invalid`, `Aborted`, `Failed`).
 */
export function chartOutcome(err: unknown): string {
  if (!(err instanceof RenderError)) return 'Failed';
  switch (err.code) {
    case 'RepositoryAuth':
      return 'AuthFailed';
    case 'ChartNotFound':
      return 'NotFound';
    case 'RepositoryUnreachable':
      return err.cause instanceof TimeoutError ? 'Timeout' : 'Unreachable';
    case 'InvalidRepository':
      return 'Invalid';
    case 'TooLarge':
    case 'Aborted':
      return err.code;
    default:
      return 'Failed';
  }
}

/**
 * Runs one call to a chart source, counted and timed by the host of `url`
 * (never its path or credentials) and `op`.
 */
export async function measured<T>(url: string, op: ChartOp, call: () => Promise<T>): Promise<T> {
  let host: string;
  try {
    host = new URL(url).host || 'unknown';
  } catch {
    host = 'unknown';
  }
  const labels = { host, op };
  const end = appMetrics.chartSeconds.startTimer(labels);
  try {
    const out = await call();
    appMetrics.chartRequests.inc({ ...labels, outcome: 'ok' });
    return out;
  } catch (err) {
    appMetrics.chartRequests.inc({ ...labels, outcome: chartOutcome(err) });
    throw err;
  } finally {
    end();
  }
}

/** A URL fit for a message: no user info, no query (signed URLs carry tokens there). */
export function shownUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '<invalid URL>';
  }
}

function once(url: URL, o: GetOptions): Promise<GetResult> {
  const https = url.protocol === 'https:';
  const request = https ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: o.method ?? 'GET',
        headers: { 'user-agent': 'flotilla', ...o.headers },
        timeout: o.timeoutMs,
        ...(o.signal ? { signal: o.signal } : {}),
        ...(https
          ? {
              ...(o.tls.ca ? { ca: o.tls.ca } : {}),
              ...(o.tls.cert && o.tls.key ? { cert: o.tls.cert, key: o.tls.key } : {}),
              rejectUnauthorized: !o.tls.insecure,
            }
          : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > o.maxBytes) {
            req.destroy();
            reject(
              new RenderError(
                'TooLarge',
                `${o.what} is larger than the limit of ${o.maxBytes} bytes`,
              ),
            );
            return;
          }
          chunks.push(chunk);
        });
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks),
            url: url.toString(),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new TimeoutError(`no answer within ${o.timeoutMs} ms`)));
    req.on('error', (err) => {
      if (err instanceof RenderError) return reject(err);
      if (o.signal?.aborted)
        return reject(new RenderError('Aborted', `fetching ${o.what} was aborted`));
      const code = (err as NodeJS.ErrnoException).code;
      reject(
        new RenderError(
          'RepositoryUnreachable',
          `${o.what}: ${shownUrl(url.toString())} could not be reached (${code ?? err.message})`,
          err instanceof TimeoutError ? { cause: err } : {},
        ),
      );
    });
    req.end();
  });
}

/**
 * GETs a URL with the repository's TLS settings, a size limit and a
 * timeout, following redirects; credentials (the caller's headers) go only
 * to the host first asked, as Helm sends them. Network failures become
 * `RepositoryUnreachable`; the caller judges the status.
 */
export async function httpGet(url: string, o: GetOptions): Promise<GetResult> {
  let current = new URL(url);
  const origin = current.host;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const headers = current.host === origin ? o.headers : undefined;
    const res = await once(current, { ...o, ...(headers ? { headers } : { headers: {} }) });
    const location = res.headers.location;
    if (res.status >= 300 && res.status < 400 && location) {
      current = new URL(location, current);
      continue;
    }
    return res;
  }
  throw new RenderError('InvalidRepository', `${o.what}: too many redirects`);
}

/** `Basic base64(user:password)`. */
export function basicAuth(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

/** A status other than 2xx as a render error that says what to do, never echoing credentials. */
export function statusError(
  what: string,
  url: string,
  status: number,
  hadCredentials: boolean,
): RenderError {
  if (status === 401 || status === 403) {
    return new RenderError(
      'RepositoryAuth',
      `${what}: ${shownUrl(url)} answered ${status}: ` +
        (hadCredentials
          ? 'the credentials of the matching repository Secret were refused'
          : 'credentials are required and no repository Secret matches this URL'),
    );
  }
  if (status === 404)
    return new RenderError('ChartNotFound', `${what}: ${shownUrl(url)} was not found (404)`);
  if (status >= 500 || status === 429)
    return new RenderError('RepositoryUnreachable', `${what}: ${shownUrl(url)} answered ${status}`);
  return new RenderError('InvalidRepository', `${what}: ${shownUrl(url)} answered ${status}`);
}
