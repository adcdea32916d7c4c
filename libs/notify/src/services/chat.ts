import { DeliveryError } from '../errors.js';
import { send, setting } from './http.js';
import { DELIVERY_HEADER } from './webhook.js';
import type { Delivery } from './types.js';

/**
 * Slack incoming webhook (`service.slack`: `url`, optional `username`,
 * `icon`). The recipient, when given, is sent as the channel.
 */
export async function sendSlack(d: Delivery): Promise<void> {
  const url = setting(d.settings, 'url', d.serviceName);
  const part = d.rendered.slack ?? {};
  const icon = d.settings['icon'];
  const payload = {
    text:
      typeof part['text'] === 'string' && part['text'] !== '' ? part['text'] : d.rendered.message,
    ...(part['attachments'] ? { attachments: part['attachments'] } : {}),
    ...(part['blocks'] ? { blocks: part['blocks'] } : {}),
    ...(d.recipient ? { channel: d.recipient } : {}),
    ...(typeof d.settings['username'] === 'string' ? { username: d.settings['username'] } : {}),
    ...(typeof icon === 'string'
      ? icon.startsWith('http')
        ? { icon_url: icon }
        : { icon_emoji: icon }
      : {}),
  };
  await send(`slack ${d.serviceName}`, {
    url,
    headers: { 'Content-Type': 'application/json', [DELIVERY_HEADER]: d.id },
    body: JSON.stringify(payload),
  });
}

/**
 * Microsoft Teams incoming webhook (`service.teams`: `recipientUrls`, a map
 * from recipient name to URL, as Argo CD's; or `url` for an empty recipient).
 * Sends a MessageCard.
 */
export async function sendTeams(d: Delivery): Promise<void> {
  const urls = (d.settings['recipientUrls'] ?? {}) as Record<string, string>;
  const url = d.recipient ? urls[d.recipient] : (d.settings['url'] as string | undefined);
  if (!url || url.startsWith('$'))
    throw new DeliveryError(
      `teams ${d.serviceName}: no URL for recipient ${JSON.stringify(d.recipient)}`,
      true,
    );
  const part = d.rendered.teams ?? {};
  const title = typeof part['title'] === 'string' ? part['title'] : undefined;
  const facts = part['facts'];
  const sections = [...((part['sections'] as unknown[]) ?? []), ...(facts ? [{ facts }] : [])];
  const payload = {
    '@type': 'MessageCard',
    '@context': 'https://schema.org/extensions',
    summary: title ?? d.rendered.message.split('\n')[0],
    ...(title ? { title } : {}),
    text:
      typeof part['text'] === 'string' && part['text'] !== '' ? part['text'] : d.rendered.message,
    ...(part['themeColor'] ? { themeColor: part['themeColor'] } : {}),
    ...(sections.length > 0 ? { sections } : {}),
    ...(part['potentialAction'] ? { potentialAction: part['potentialAction'] } : {}),
  };
  await send(`teams ${d.serviceName}`, {
    url,
    headers: { 'Content-Type': 'application/json', [DELIVERY_HEADER]: d.id },
    body: JSON.stringify(payload),
  });
}
