import {
  Agent as HttpAgent,
  request as httpRequest,
  type ClientRequest,
  type IncomingMessage,
} from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest, type RequestOptions } from 'node:https';
import { appMetrics, metrics, requestShape } from '@flotilla/runtime';
import type { KubeAccess } from './kubeconfig.js';

/** One raw request to the apiserver. */
export interface RawRequest {
  readonly method: string;
  readonly path: string;
  readonly query?: Readonly<Record<string, string>>;
  readonly contentType?: string;
  readonly body?: unknown;
  readonly timeoutMs?: number;
}

/** An apiserver error, with the Status message and HTTP code. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    message: string,
    readonly reason?: string,
  ) {
    super(message);
  }
}

// Connections are kept open between requests: the client-node agent made per
// request costs a TCP and TLS handshake each time, more than most requests
// themselves. One agent serves every kubeconfig: it pools sockets per CA,
// client certificate, key, server name and verification setting, so
// different credentials never share a connection.
const keepAlive = { keepAlive: true, timeout: 15_000 };
const agents = { http: new HttpAgent(keepAlive), https: new HttpsAgent(keepAlive) };

/**
 * Sends a request with the kubeconfig's credentials and JSON as is. The typed
 * client rebuilds objects from its models and drops fields it does not know
 * (for CRDs, every `x-kubernetes-*` key); raw requests keep every field.
 */
export async function rawRequest<T = unknown>(kc: KubeAccess, req: RawRequest): Promise<T> {
  const body = req.body === undefined ? undefined : JSON.stringify(req.body);
  const { url, options, send } = await prepare(kc, req.method, req.path, req.query, {
    Accept: 'application/json',
    // A sized body, never a chunked one: kept-open connections then stay in step.
    ...(body !== undefined
      ? {
          'Content-Type': req.contentType ?? 'application/json',
          'Content-Length': String(Buffer.byteLength(body)),
        }
      : {}),
  });
  options.timeout = req.timeoutMs ?? 30_000;
  const labels = { method: req.method, resource: requestResource(req.path) };
  metrics.kubeRequests.inc(labels);
  const endTimer = metrics.kubeRequestSeconds.startTimer(labels);
  const shape = requestShape(req.method, req.path, req.contentType);
  let counted = false;
  const count = (code: number) => {
    if (counted) return;
    counted = true;
    appMetrics.kubeRequests.inc({ server: url.host, ...shape, code: String(code) });
  };
  return new Promise<T>((resolve, reject) => {
    const r = send(url, options, (res) => {
      count(res.statusCode ?? 0);
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      // The connection closed before the whole answer came (an apiserver stopping).
      res.on('error', (err) => {
        endTimer();
        reject(cutShort(err));
      });
      res.on('end', () => {
        endTimer();
        const status = res.statusCode ?? 500;
        let parsed: unknown = text;
        try {
          parsed = text ? JSON.parse(text) : undefined;
        } catch {
          // not JSON; keep the text
        }
        if (status >= 300) reject(apiErrorOf(status, text));
        else resolve(parsed as T);
      });
    });
    r.on('timeout', () => r.destroy(new ApiError(0, `${req.method} ${req.path} timed out`)));
    r.on('error', (err) => {
      count(0);
      reject(err);
    });
    r.end(body);
  });
}

type Send = (
  url: URL,
  options: RequestOptions,
  callback: (res: IncomingMessage) => void,
) => ClientRequest;

/** The URL, options (credentials included) and sender of one request. */
export async function prepare(
  kc: KubeAccess,
  method: string,
  path: string,
  query: Readonly<Record<string, string>> | undefined,
  headers: Record<string, string>,
): Promise<{ url: URL; options: RequestOptions; send: Send }> {
  const cluster = kc.getCurrentCluster();
  if (!cluster?.server) throw new ApiError(0, 'kubeconfig has no current cluster');
  const url = new URL(path, cluster.server);
  for (const [k, v] of Object.entries(query ?? {})) url.searchParams.set(k, v);
  const options: RequestOptions = { method, headers };
  await kc.applyToHTTPSOptions(options);
  const https = url.protocol === 'https:';
  // A proxy needs the agent client-node made for it.
  if (!cluster.proxyUrl) options.agent = https ? agents.https : agents.http;
  return { url, options, send: https ? httpsRequest : httpRequest };
}

/** The apiserver's error of a response: its Status message, else the HTTP code and text. */
export function apiErrorOf(status: number, text: string): ApiError {
  let s: { message?: string; reason?: string } | undefined;
  try {
    s = JSON.parse(text) as typeof s;
  } catch {
    s = undefined;
  }
  return new ApiError(status, s?.message ?? `HTTP ${status}: ${text.slice(0, 500)}`, s?.reason);
}

/**
 * A response whose connection closed before its end: Node names it `aborted`;
 * said as the same request's error before any answer, `socket hang up`, so an
 * outage reads the same whichever moment it cut a request.
 */
export function cutShort(err: Error): Error {
  if (err.message !== 'aborted') return err;
  return Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
}

/**
 * The resource a request path addresses, as metrics label it: its plural,
 * with the subresource (`applications/status`), or `discovery` for the API
 * listings. Names and namespaces are left out, so the label stays bounded.
 */
export function requestResource(path: string): string {
  const parts = path.split('?')[0]!.split('/').filter(Boolean);
  let i = parts[0] === 'api' ? 2 : parts[0] === 'apis' ? 3 : -1;
  if (i < 0 || parts.length <= i) return 'discovery';
  if (parts[i] === 'namespaces' && parts.length > i + 2) i += 2;
  const sub = parts[i + 2];
  return sub ? `${parts[i]}/${sub}` : parts[i]!;
}
