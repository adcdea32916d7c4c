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

/** A Slack message a grouping key's notifications thread under. */
interface SlackThread {
  readonly channel: string;
  readonly ts: string;
}

/** How a notification with a `groupingKey` treats its thread (Argo CD's `deliveryPolicy`). */
type DeliveryPolicy = 'Post' | 'PostAndUpdate' | 'Update';

function deliveryPolicy(v: unknown): DeliveryPolicy {
  return v === 'PostAndUpdate' || v === 'Update' ? v : 'Post';
}

function parseThread(v: string | undefined): SlackThread | undefined {
  if (!v) return undefined;
  try {
    const t = JSON.parse(v) as Partial<SlackThread>;
    return typeof t.channel === 'string' && typeof t.ts === 'string'
      ? { channel: t.channel, ts: t.ts }
      : undefined;
  } catch {
    return undefined;
  }
}

/** Calls a Web API method; resolves with its answer when `ok`, else throws naming Slack's error. */
async function slackCall(
  d: Delivery,
  token: string,
  method: string,
  body: Record<string, unknown>,
): Promise<{ channel?: unknown; ts?: unknown }> {
  const what = `slack ${d.serviceName}`;
  const api = text(d.settings['apiURL']) ?? SLACK_API_URL;
  if (!/^https?:\/\/[^/]/.test(api))
    throw new DeliveryError(`${what}: setting apiURL is not an http(s) URL`, true);
  const reply = await send(what, {
    url: `${api.replace(/\/+$/, '')}/${method}`,
    headers: {
      'Content-Type': 'application/json; charset=utf-8',
      Authorization: `Bearer ${token}`,
      [DELIVERY_HEADER]: d.id,
    },
    body: JSON.stringify(body),
  });
  // The Web API answers 200 to what it refuses, with `ok: false` and the reason.
  let answer: { ok?: unknown; error?: unknown; channel?: unknown; ts?: unknown };
  try {
    answer = JSON.parse(reply) as typeof answer;
  } catch {
    throw new DeliveryError(`${what}: ${method} answered something other than JSON`, false);
  }
  if (answer.ok === true) return answer;
  const error = typeof answer.error === 'string' ? answer.error : 'no reason given';
  throw new DeliveryError(`${what}: ${method} refused: ${error}`, !SLACK_TRANSIENT.has(error));
}

/**
 * Slack (`service.slack`), the way Argo CD configures it: with `token` (a
 * bot token) it posts through the Web API's `chat.postMessage` at `apiURL`
 * (`https://slack.com/api/` unless set) to the recipient channel; with `url`
 * instead, to an incoming webhook (the recipient, when given, as the channel).
 * `username` and `icon` (an emoji like `:rocket:` or an image URL) come from the
 * template's `slack` part or the service; `disableUnfurl` turns link previews off.
 *
 * With a token, a template's `slack.groupingKey` threads notifications: the
 * first one of a key in a channel is a message, the next ones replies to it
 * (`notifyBroadcast` also shows them in the channel), as `deliveryPolicy` says:
 * `Post` (the default) replies, `Update` edits the first message instead, and
 * `PostAndUpdate` does both. The thread is remembered in the notifier's Redis.
 */
export async function sendSlack(d: Delivery): Promise<void> {
  const message = slackMessage(d);
  if (d.settings['token'] === undefined) {
    const url = setting(d.settings, 'url', d.serviceName);
    await send(`slack ${d.serviceName}`, {
      url,
      headers: { 'Content-Type': 'application/json; charset=utf-8', [DELIVERY_HEADER]: d.id },
      body: JSON.stringify(message),
    });
    return;
  }
  const token = setting(d.settings, 'token', d.serviceName);
  if (!d.recipient)
    throw new DeliveryError(
      `slack ${d.serviceName}: a bot token posts to a channel: subscribe with the channel as the recipient`,
      true,
    );
  const part = d.rendered.slack ?? {};
  const groupingKey = text(part['groupingKey']);
  const threadKey =
    groupingKey && d.memory ? `slack:${d.serviceName}:${d.recipient}:${groupingKey}` : undefined;
  const thread = threadKey ? parseThread(await d.memory?.get(threadKey)) : undefined;
  const policy = deliveryPolicy(part['deliveryPolicy']);
  // The edit first: repeated after a failed reply, it changes nothing twice.
  if (thread && policy !== 'Post') {
    await slackCall(d, token, 'chat.update', {
      channel: thread.channel,
      ts: thread.ts,
      text: message['text'],
      ...(message['attachments'] ? { attachments: message['attachments'] } : {}),
      ...(message['blocks'] ? { blocks: message['blocks'] } : {}),
    });
  }
  if (thread && policy === 'Update') return;
  const broadcast = part['notifyBroadcast'] === true || part['notifyBroadcast'] === 'true';
  const answer = await slackCall(d, token, 'chat.postMessage', {
    ...message,
    ...(thread ? { thread_ts: thread.ts, ...(broadcast ? { reply_broadcast: true } : {}) } : {}),
  });
  if (threadKey && !thread && typeof answer.channel === 'string' && typeof answer.ts === 'string')
    await d.memory?.setIfAbsent(
      threadKey,
      JSON.stringify({ channel: answer.channel, ts: answer.ts } satisfies SlackThread),
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
