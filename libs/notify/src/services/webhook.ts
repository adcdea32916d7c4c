import { createHmac } from 'node:crypto';
import { send, setting } from './http.js';
import type { Delivery } from './types.js';

/** Header carrying the HMAC-SHA256 of the body, as `sha256=<hex>`. */
export const SIGNATURE_HEADER = 'X-Flotilla-Signature-256';
/** Header carrying the notification id, the same on every retry. */
export const DELIVERY_HEADER = 'X-Flotilla-Delivery';

/** The signature value of `body` under `secret`. */
export function signature(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/**
 * Generic webhook (`service.webhook.<name>`): `url`, `headers` (a list of
 * name/value), `basicAuth` and Flotilla's `signatureSecret`. The template's
 * `webhook.<name>` gives method, path and body; without one the body is a
 * JSON summary.
 */
export async function sendWebhook(d: Delivery): Promise<void> {
  const base = setting(d.settings, 'url', d.serviceName);
  const part = d.rendered.webhook;
  const body =
    part?.body ??
    JSON.stringify({
      id: d.id,
      trigger: d.trigger,
      app: d.app,
      recipient: d.recipient,
      message: d.rendered.message,
    });
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    [DELIVERY_HEADER]: d.id,
  };
  for (const h of (d.settings['headers'] as { name?: string; value?: string }[] | undefined) ?? [])
    if (h?.name) headers[h.name] = String(h.value ?? '');
  const auth = d.settings['basicAuth'] as { username?: string; password?: string } | undefined;
  if (auth?.username)
    headers['Authorization'] =
      `Basic ${Buffer.from(`${auth.username}:${auth.password ?? ''}`).toString('base64')}`;
  const secret = d.settings['signatureSecret'];
  if (typeof secret === 'string' && secret !== '')
    headers[SIGNATURE_HEADER] = signature(secret, body);
  await send(`webhook ${d.serviceName}`, {
    method: part?.method ?? 'POST',
    url: base.replace(/\/$/, '') + (part?.path ?? ''),
    headers,
    body,
  });
}
