import { request as httpRequest } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';

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

/**
 * Sends a request with the kubeconfig's credentials and JSON as is. The typed
 * client rebuilds objects from its models and drops fields it does not know
 * (for CRDs, every `x-kubernetes-*` key); raw requests keep every field.
 */
export async function rawRequest<T = unknown>(kc: KubeConfig, req: RawRequest): Promise<T> {
  const server = kc.getCurrentCluster()?.server;
  if (!server) throw new ApiError(0, 'kubeconfig has no current cluster');
  const url = new URL(req.path, server);
  for (const [k, v] of Object.entries(req.query ?? {})) url.searchParams.set(k, v);
  const options: RequestOptions = {
    method: req.method,
    headers: {
      Accept: 'application/json',
      ...(req.body !== undefined ? { 'Content-Type': req.contentType ?? 'application/json' } : {}),
    },
    timeout: req.timeoutMs ?? 30_000,
  };
  await kc.applyToHTTPSOptions(options);
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<T>((resolve, reject) => {
    const r = send(url, options, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        const status = res.statusCode ?? 500;
        let parsed: unknown = text;
        try {
          parsed = text ? JSON.parse(text) : undefined;
        } catch {
          // not JSON; keep the text
        }
        if (status >= 300) {
          const s = parsed as { message?: string; reason?: string } | undefined;
          reject(
            new ApiError(status, s?.message ?? `HTTP ${status}: ${text.slice(0, 500)}`, s?.reason),
          );
        } else resolve(parsed as T);
      });
    });
    r.on('timeout', () => r.destroy(new ApiError(0, `${req.method} ${req.path} timed out`)));
    r.on('error', reject);
    r.end(req.body === undefined ? undefined : JSON.stringify(req.body));
  });
}
