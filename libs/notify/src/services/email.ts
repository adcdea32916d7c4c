import { createTransport } from 'nodemailer';
import { DeliveryError } from '../errors.js';
import { setting } from './http.js';
import type { Delivery } from './types.js';

/**
 * Email over SMTP (`service.email`: `host`, `port`, `from`, `username`,
 * `password`, `secure`, `insecureSkipVerify`). The Message-ID is made from
 * the notification id, so a mail sent again after a crash is the same mail.
 */
export async function sendEmail(d: Delivery): Promise<void> {
  const host = setting(d.settings, 'host', d.serviceName);
  const from = setting(d.settings, 'from', d.serviceName);
  if (!d.recipient) throw new DeliveryError(`email ${d.serviceName}: no recipient address`, true);
  const port = Number(d.settings['port'] ?? 587);
  const username = d.settings['username'];
  const transport = createTransport({
    host,
    port,
    secure: d.settings['secure'] === true || port === 465,
    ...(typeof username === 'string' && username !== ''
      ? { auth: { user: username, pass: String(d.settings['password'] ?? '') } }
      : {}),
    tls: { rejectUnauthorized: d.settings['insecureSkipVerify'] !== true },
    connectionTimeout: 15_000,
    greetingTimeout: 15_000,
    socketTimeout: 30_000,
  });
  const subject = d.rendered.email?.subject || d.rendered.message.split('\n')[0]!;
  const body = d.rendered.email?.body || d.rendered.message;
  try {
    await transport.sendMail({
      from,
      to: d.recipient.split(',').map((r) => r.trim()),
      subject,
      text: body,
      messageId: `<${d.id}@flotilla.dev>`,
      headers: { 'X-Flotilla-Delivery': d.id },
    });
  } catch (err) {
    const code = (err as { responseCode?: number }).responseCode;
    const permanent = code !== undefined && code >= 500 && code < 600;
    throw new DeliveryError(
      `email ${d.serviceName}: ${(err as Error).message.split('\n')[0]}`,
      permanent,
      { cause: err },
    );
  } finally {
    transport.close();
  }
}
