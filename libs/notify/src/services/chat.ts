import { DeliveryError } from '../errors.js';
import { send, setting } from './http.js';
import { DELIVERY_HEADER } from './webhook.js';
import type { Delivery } from './types.js';

/** Where the Slack Web API is unless `apiURL` says otherwise. */
export const SLACK_API_URL = 'https://slack.com/api/';

/** Slack Web API errors a later attempt can get past; any other `error` is permanent. */
const SLACK_TRANSIENT = new Set([
  'ratelimited',
  'rate_limited',
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
]);

const text = (v: unknown): string | undefined =>
  typeof v === 'string' && v !== '' ? v : undefined;

/** The message both Slack paths send: the template's `slack` part over the service's defaults. */
function slackMessage(d: Delivery): Record<string, unknown> {
  const part = d.rendered.slack ?? {};
  const username = text(part['username']) ?? text(d.settings['username']);
  const icon = text(part['icon']) ?? text(d.settings['icon']);
  return {
    text: text(part['text']) ?? d.rendered.message,
    ...(part['attachments'] ? { attachments: part['attachments'] } : {}),
    ...(part['blocks'] ? { blocks: part['blocks'] } : {}),
    ...(d.recipient ? { channel: d.recipient } : {}),
    ...(username ? { username } : {}),
    ...(icon ? (/^https?:\/\//.test(icon) ? { icon_url: icon } : { icon_emoji: icon }) : {}),
    ...(d.settings['disableUnfurl'] === true ? { unfurl_links: false, unfurl_media: false } : {}),
  };
}

/**
 * Slack (`service.slack`), the way Argo CD configures it: with `token` (a
 * bot token) it posts through the Web API's `chat.postMessage` at `apiURL`
 * (`https://slack.com/api/` unless set) to the recipient channel; with `url`
 * instead, to an incoming webhook (the recipient, when given, as the channel).
 * `username` and `icon` (an emoji like `:rocket:` or an image URL) come from the
 * template's `slack` part or the service; `disableUnfurl` turns link previews off.
 */
export async function sendSlack(d: Delivery): Promise<void> {
  const what = `slack ${d.serviceName}`;
  const headers = { 'Content-Type': 'application/json; charset=utf-8', [DELIVERY_HEADER]: d.id };
  if (d.settings['token'] === undefined) {
    const url = setting(d.settings, 'url', d.serviceName);
    await send(what, { url, headers, body: JSON.stringify(slackMessage(d)) });
    return;
  }
  const token = setting(d.settings, 'token', d.serviceName);
  if (!d.recipient)
    throw new DeliveryError(
      `${what}: a bot token posts to a channel: subscribe with the channel as the recipient`,
      true,
    );
  const api = text(d.settings['apiURL']) ?? SLACK_API_URL;
  if (!/^https?:\/\/[^/]/.test(api))
    throw new DeliveryError(`${what}: setting apiURL is not an http(s) URL`, true);
  const reply = await send(what, {
    url: `${api.replace(/\/+$/, '')}/chat.postMessage`,
    headers: { ...headers, Authorization: `Bearer ${token}` },
    body: JSON.stringify(slackMessage(d)),
  });
  // The Web API answers 200 to what it refuses, with `ok: false` and the reason.
  let answer: { ok?: unknown; error?: unknown };
  try {
    answer = JSON.parse(reply) as typeof answer;
  } catch {
    throw new DeliveryError(`${what}: chat.postMessage answered something other than JSON`, false);
  }
  if (answer.ok === true) return;
  const error = typeof answer.error === 'string' ? answer.error : 'no reason given';
  throw new DeliveryError(
    `${what}: chat.postMessage refused: ${error}`,
    !SLACK_TRANSIENT.has(error),
  );
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
