import { request } from 'node:https';

/** Minimal credentials for talking to the apiserver before any client exists. */
export interface ApiTarget {
  readonly server: string;
  readonly ca: string;
  readonly token: string;
}

/** Result of {@link apiRequest}. */
export interface ApiResponse {
  readonly status: number;
  readonly body: string;
}

/** One HTTPS request to the apiserver, with a short timeout. Never throws on HTTP errors. */
export function apiRequest(
  target: ApiTarget,
  method: string,
  path: string,
  body?: unknown,
  timeoutMs = 3_000,
): Promise<ApiResponse> {
  return new Promise((resolve, reject) => {
    const url = new URL(path, target.server);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      url,
      {
        method,
        ca: target.ca,
        timeout: timeoutMs,
        headers: {
          authorization: `Bearer ${target.token}`,
          accept: 'application/json',
          ...(payload ? { 'content-type': 'application/json' } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out`)));
    req.on('error', reject);
    req.end(payload);
  });
}
