import { ApiError } from '../raw.js';

// Errors that say nothing about one kind but about the cluster as a whole:
// nothing answers, the answer cannot be trusted (TLS), or the credentials are refused.
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);
const TLS_CODE = /^(CERT_|ERR_TLS_|ERR_SSL_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|HOSTNAME_MISMATCH)/;

function codeOf(err: unknown): string | undefined {
  let e: unknown = err;
  for (let depth = 0; depth < 4 && e && typeof e === 'object'; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * True when an error means the cluster itself cannot be used: connection
 * refused or reset, no route, DNS, a timeout, a TLS failure, or the
 * credentials refused (401). Per-kind errors (403, 404, 410...) are not.
 */
export function isClusterConnectionError(err: unknown): boolean {
  if (err instanceof ApiError) return err.status === 0 || err.status === 401;
  const status = (err as { statusCode?: unknown } | undefined)?.statusCode;
  if (status === 401) return true;
  const code = codeOf(err);
  if (code && (NETWORK_CODES.has(code) || TLS_CODE.test(code))) return true;
  return /socket hang up|ECONNREFUSED|ECONNRESET|network timeout/i.test(String(err));
}

/**
 * A short, stable account of a connection error for status messages: the
 * system's reason (`connect ECONNREFUSED 10.0.0.1:6443`) without the request
 * URL, so that every failed request of one outage reads the same.
 */
export function describeConnectionError(err: unknown): string {
  if (err instanceof ApiError) return err.status === 0 ? 'request timed out' : err.message;
  const message = err instanceof Error ? err.message : String(err);
  const reason = /reason: (.*)$/s.exec(message)?.[1];
  return (reason ?? message).replace(/https?:\/\/\S+/g, '').trim() || 'connection failed';
}

/**
 * How a destination that does not answer is named in status: the cluster,
 * its server and the reason, the same text for the differ and the applier.
 */
export function unreachableMessage(
  cluster: { readonly name: string; readonly server: string },
  error: Error,
): string {
  return `cluster ${cluster.name} (${cluster.server}) is unreachable: ${error.message}`;
}
