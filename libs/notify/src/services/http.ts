import { DeliveryError } from '../errors.js';

/** Settings every HTTP service shares. */
export interface HttpRequest {
  readonly method?: string;
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly timeoutMs?: number;
}

/**
 * Sends one request. 2xx is success; a network error, 408, 429 or 5xx is worth
 * a retry; any other status is permanent. Messages name the service, never the
 * URL (a Slack or Teams URL is itself a secret).
 */
export async function send(what: string, req: HttpRequest): Promise<string> {
  let res: Response;
  try {
    res = await fetch(req.url, {
      method: req.method ?? 'POST',
      headers: req.headers ?? {},
      ...(req.body !== undefined ? { body: req.body } : {}),
      signal: AbortSignal.timeout(req.timeoutMs ?? 15_000),
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name;
    throw new DeliveryError(`${what}: request failed (${cause})`, false, { cause: err });
  }
  const text = await res.text().catch(() => '');
  if (res.ok) return text;
  const permanent =
    res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429;
  throw new DeliveryError(`${what}: HTTP ${res.status} ${text.slice(0, 200)}`.trim(), permanent);
}

/** A required string setting, or a permanent error naming it. */
export function setting(
  settings: Readonly<Record<string, unknown>>,
  key: string,
  service: string,
): string {
  const v = settings[key];
  if (typeof v !== 'string' || v === '' || v.startsWith('$'))
    throw new DeliveryError(
      `service ${service}: setting ${key} is missing (or its secret is)`,
      true,
    );
  return v;
}
