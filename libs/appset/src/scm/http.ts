import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { ScmError, ScmErrorKind } from '../errors.js';
import {
  DEFAULT_RATE_LIMIT_WAIT_SECONDS,
  MAX_RATE_LIMIT_WAIT_SECONDS,
  type ScmRateLimits,
} from './rate-limits.js';

/** How to reach one provider's API. */
export interface ScmHttpOptions {
  /** Extra CA certificates (PEM) trusted beside the system's (Argo CD's `caRef`). */
  readonly ca?: string;
  /** Skip TLS verification (Argo CD's `insecure`). */
  readonly insecure?: boolean;
  /** Time allowed for one answer. */
  readonly timeoutMs: number;
  /** Rate limits answered so far: no request goes where one still lasts. */
  readonly limits?: ScmRateLimits;
}

/** One provider's calls: who it is, what it sends, what it must never show. */
export interface ScmCall extends ScmHttpOptions {
  /** The provider's name in messages ("GitHub"). */
  readonly provider: string;
  readonly headers: Readonly<Record<string, string>>;
  /** Credentials sent, removed from any message built from an answer. */
  readonly secrets: readonly string[];
  /**
   * Who is rate-limited, when not the credentials sent (a GitHub App's JWT
   * changes with every call; its limit is the app's).
   */
  readonly limitedAs?: string;
}

/** A 2xx answer, its JSON body parsed. */
export interface ScmAnswer {
  readonly body: unknown;
  readonly headers: IncomingHttpHeaders;
}

const MAX_BYTES = 64 * 1024 * 1024;
const MAX_REDIRECTS = 5;

/** Replaces every credential in `text` (a message from the provider, say) with `***`. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s.length >= 3) out = out.split(s).join('***');
  return out;
}

/** The URL as messages show it: no user info, no query. */
export function shownUrl(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}

function header(h: IncomingHttpHeaders, name: string): string | undefined {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * Seconds to wait, from `retry-after` (seconds or a date), else a reset
 * header: `x-ratelimit-reset` (GitHub, Azure DevOps) or `ratelimit-reset`
 * (GitLab), epoch seconds, or seconds from now when too small to be a time.
 */
function retryAfter(h: IncomingHttpHeaders, now: number): number | undefined {
  const after = header(h, 'retry-after');
  if (after !== undefined) {
    const secs = Number(after);
    if (after.trim() !== '' && Number.isFinite(secs)) return Math.max(0, Math.ceil(secs));
    const at = Date.parse(after);
    if (!Number.isNaN(at)) return Math.max(0, Math.ceil((at - now) / 1000));
  }
  const reset = Number(header(h, 'x-ratelimit-reset') ?? header(h, 'ratelimit-reset') ?? NaN);
  if (!Number.isFinite(reset)) return undefined;
  return Math.max(0, Math.ceil(reset > 1e9 ? reset - now / 1000 : reset));
}

const isoSeconds = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

/** The provider's own explanation in an error body (GitHub, Gitea, GitLab, Bitbucket). */
function explanation(text: string): string | undefined {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof body !== 'object' || body === null) return undefined;
  const b = body as Record<string, unknown>;
  const errors = b['errors'];
  const first = Array.isArray(errors) ? (errors[0] as Record<string, unknown> | undefined) : {};
  // Bitbucket Cloud: {"type": "error", "error": {"message": ...}}.
  const nested = typeof b['error'] === 'object' && b['error'] !== null ? b['error'] : {};
  const msg =
    b['message'] ??
    (nested as Record<string, unknown>)['message'] ??
    b['error'] ??
    first?.['message'];
  return typeof msg === 'string' ? msg.slice(0, 300) : undefined;
}

/** The error for a non-2xx answer. */
export function answerError(
  status: number,
  h: IncomingHttpHeaders,
  text: string,
  url: URL,
  call: ScmCall,
  now = Date.now(),
): ScmError {
  const why = explanation(text);
  const tail = why ? `: ${redact(why, call.secrets)}` : '';
  const where = `${call.provider} API ${shownUrl(url)}`;
  const limited =
    status === 429 ||
    (status === 403 &&
      ((header(h, 'x-ratelimit-remaining') ?? header(h, 'ratelimit-remaining')) === '0' ||
        header(h, 'retry-after') !== undefined));
  if (limited) {
    // The wait the provider asks for (a minute when it says nothing), at most an hour.
    const wait = Math.min(
      MAX_RATE_LIMIT_WAIT_SECONDS,
      retryAfter(h, now) ?? DEFAULT_RATE_LIMIT_WAIT_SECONDS,
    );
    return new ScmError(
      ScmErrorKind.RateLimited,
      `${where} is rate-limited (${status}); not asked again for ${wait} s, until ${isoSeconds(now + wait * 1000)}${tail}`,
      status,
      wait,
    );
  }
  const kind =
    status === 401
      ? ScmErrorKind.Unauthorized
      : status === 403
        ? ScmErrorKind.Forbidden
        : status === 404
          ? ScmErrorKind.NotFound
          : status >= 500
            ? ScmErrorKind.ServerError
            : ScmErrorKind.BadResponse;
  const what =
    kind === ScmErrorKind.Unauthorized
      ? 'refused the credentials'
      : kind === ScmErrorKind.Forbidden
        ? 'refused access'
        : kind === ScmErrorKind.NotFound
          ? 'found no such repository'
          : 'failed';
  return new ScmError(kind, `${where} ${what} (${status})${tail}`, status);
}

interface Raw {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
}

function once(url: URL, call: ScmCall, method: 'GET' | 'POST'): Promise<Raw> {
  const https = url.protocol === 'https:';
  const request = https ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method,
        headers: {
          'user-agent': 'flotilla',
          accept: 'application/json',
          ...(method === 'POST' ? { 'content-length': '0' } : {}),
          ...call.headers,
        },
        timeout: call.timeoutMs,
        // A fresh connection per page: a pooled one the server has since
        // closed would fail the listing with ECONNRESET.
        agent: false,
        ...(https
          ? { ...(call.ca ? { ca: call.ca } : {}), rejectUnauthorized: call.insecure !== true }
          : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_BYTES) {
            req.destroy();
            reject(
              new ScmError(
                ScmErrorKind.BadResponse,
                `${call.provider} API ${shownUrl(url)} answered more than ${MAX_BYTES} bytes`,
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
            text: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${call.timeoutMs} ms`)));
    req.on('error', (err) => {
      if (err instanceof ScmError) return reject(err);
      const code = (err as NodeJS.ErrnoException).code;
      reject(
        new ScmError(
          ScmErrorKind.Unreachable,
          `${call.provider} API ${shownUrl(url)} could not be reached (${redact(code ?? err.message, call.secrets)})`,
        ),
      );
    });
    req.end();
  });
}

/**
 * GETs one page of a provider's API (or POSTs with no body) and parses its
 * JSON. Redirects are followed on the same origin only, so credentials never
 * go to another host. A non-2xx answer becomes an {@link ScmError} that
 * says why.
 */
export async function getJson(
  url: URL,
  call: ScmCall,
  method: 'GET' | 'POST' = 'GET',
): Promise<ScmAnswer> {
  let at = url;
  for (let hop = 0; ; hop++) {
    // While a rate limit of this host and these credentials lasts, nothing is sent.
    const key = call.limits?.key(
      at,
      call.limitedAs !== undefined ? [call.limitedAs] : call.secrets,
    );
    if (key) call.limits!.check(key);
    const raw = await once(at, call, method);
    if (raw.status >= 300 && raw.status < 400 && raw.headers.location) {
      const next = new URL(raw.headers.location, at);
      if (next.origin !== at.origin || hop >= MAX_REDIRECTS)
        throw new ScmError(
          ScmErrorKind.BadResponse,
          `${call.provider} API ${shownUrl(at)} redirected to ${shownUrl(next)}, which is not followed`,
          raw.status,
        );
      at = next;
      continue;
    }
    if (raw.status < 200 || raw.status >= 300) {
      const err = answerError(raw.status, raw.headers, raw.text, at, call);
      if (key && err.kind === ScmErrorKind.RateLimited) call.limits!.hold(key, err);
      throw err;
    }
    try {
      return { body: JSON.parse(raw.text) as unknown, headers: raw.headers };
    } catch {
      throw new ScmError(
        ScmErrorKind.BadResponse,
        `${call.provider} API ${shownUrl(at)} answered ${raw.status} with a body that is not JSON`,
        raw.status,
      );
    }
  }
}

/** A response header, the first if repeated. */
export { header as responseHeader };
