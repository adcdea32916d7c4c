// Slack's bot-token Web API (`chat.postMessage`), against a Slack-shaped
// server in this process: what is posted, with which token, and which of
// Slack's refusals are retried and which dead-lettered.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { createEvent, type EventName, type FlotillaEvent } from '@flotilla/contracts';
import { createLogger } from '@flotilla/runtime';
import {
  startEnv,
  startSlackApiReceiver,
  type SlackApiReceiver,
  type TestEnv,
} from '@flotilla/testing';
import {
  DeliveryError,
  Notifier,
  Outbox,
  parseNotifyConfig,
  SENDERS,
  type Delivery,
  type DeliveryMemory,
} from '../src/index.js';

const TOKEN = 'xoxb-test-bot-token';
const ref = { namespace: 'flotilla', name: 'shop' };

describe('Slack through the Web API with a bot token', () => {
  let slack: SlackApiReceiver;

  beforeAll(async () => {
    slack = await startSlackApiReceiver(TOKEN);
  });
  afterAll(async () => {
    await slack?.[Symbol.asyncDispose]();
  });

  let n = 0;
  const delivery = (
    recipient: string,
    settings: Record<string, unknown>,
    slackPart?: Record<string, unknown>,
  ): Delivery => ({
    id: `n-${++n}`,
    trigger: 'on-sync-succeeded',
    app: ref,
    serviceName: 'slack',
    recipient,
    rendered: { message: 'shop synced', ...(slackPart ? { slack: slackPart } : {}) },
    settings: { token: TOKEN, apiURL: slack.apiURL, ...settings },
  });
  const refusal = (d: Delivery) =>
    SENDERS.slack(d).then(
      () => undefined,
      (err: unknown) => err as DeliveryError,
    );

  it('posts the message to the recipient channel with the token as a bearer', async () => {
    await SENDERS.slack(
      delivery(
        'deploys',
        { username: 'flotilla', icon: ':rocket:', disableUnfurl: true },
        { blocks: [{ type: 'section', text: { type: 'mrkdwn', text: '*shop*' } }] },
      ),
    );
    const post = slack.posts.at(-1)!;
    expect(post.channel).toBe('deploys');
    expect(post.json).toEqual({
      channel: 'deploys',
      text: 'shop synced',
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: '*shop*' } }],
      username: 'flotilla',
      icon_emoji: ':rocket:',
      unfurl_links: false,
      unfurl_media: false,
    });
    expect(post.headers['x-flotilla-delivery']).toBe(`n-${n}`);
  });

  it("takes the template's username and icon over the service's, and apiURL with or without its slash", async () => {
    await SENDERS.slack(
      delivery(
        'releases',
        { username: 'service', icon: ':x:', apiURL: slack.apiURL.replace(/\/$/, '') },
        { username: 'release-bot', icon: 'https://example.com/i.png', text: 'custom' },
      ),
    );
    expect(slack.posts.at(-1)!.json).toEqual({
      channel: 'releases',
      text: 'custom',
      username: 'release-bot',
      icon_url: 'https://example.com/i.png',
    });
  });

  it.each([
    ['a wrong token', 'deploys', { token: 'xoxb-wrong' }, /chat.postMessage refused: invalid_auth/],
    ['an archived channel', 'archived', {}, /chat.postMessage refused: is_archived/],
    ['no recipient', '', {}, /subscribe with the channel as the recipient/],
    ['a token whose secret is missing', 'deploys', { token: '$slack-token' }, /setting token/],
    ['an apiURL that is not http(s)', 'deploys', { apiURL: 'slack.com/api' }, /apiURL/],
  ])('refuses %s for good, naming no token', async (_, recipient, settings, message) => {
    const before = slack.posts.length;
    const err = await refusal(delivery(recipient, settings));
    expect(err).toBeInstanceOf(DeliveryError);
    expect(err?.permanent).toBe(true);
    expect(err?.message).toMatch(message);
    expect(err?.message).not.toContain('xoxb');
    expect(slack.posts).toHaveLength(before);
  });

  it('retries when Slack is rate limiting, and the same notification then goes through', async () => {
    const d = delivery('busy', {});
    const err = await refusal(d);
    expect(err?.permanent).toBe(false);
    expect(err?.message).toBe('slack slack: HTTP 429 {"ok":false,"error":"ratelimited"}');
    await SENDERS.slack(d);
    expect(slack.posts.filter((p) => p.channel === 'busy')).toHaveLength(1);
  });

  it('threads the notifications of one groupingKey: replies, broadcasts, edits of the first', async () => {
    const store = new Map<string, string>();
    const memory: DeliveryMemory = {
      get: async (k) => store.get(k),
      setIfAbsent: async (k, v) => {
        if (!store.has(k)) store.set(k, v);
        return store.get(k)!;
      },
    };
    const threaded = (part: Record<string, unknown>, key = 'shop'): Delivery => ({
      ...delivery('threads', {}, { groupingKey: key, ...part }),
      memory,
    });
    await SENDERS.slack(threaded({ text: 'started' }));
    const first = slack.posts.at(-1)!;
    expect(first.json).toEqual({ channel: 'threads', text: 'started' });

    await SENDERS.slack(threaded({ text: 'synced', notifyBroadcast: true }));
    expect(slack.posts.at(-1)!.json).toEqual({
      channel: 'threads',
      text: 'synced',
      thread_ts: first.ts,
      reply_broadcast: true,
    });

    await SENDERS.slack(threaded({ text: 'healthy', deliveryPolicy: 'PostAndUpdate' }));
    expect(slack.posts.at(-1)!.json).toEqual({
      channel: 'threads',
      text: 'healthy',
      thread_ts: first.ts,
    });
    // An edit names the channel by the id Slack answered, as chat.update requires.
    expect(slack.updates.at(-1)!.json).toEqual({
      channel: 'CTHREADS',
      ts: first.ts,
      text: 'healthy',
    });

    const posts = slack.posts.length;
    await SENDERS.slack(threaded({ text: 'degraded', deliveryPolicy: 'Update' }));
    expect(slack.posts).toHaveLength(posts);
    expect(slack.updates.at(-1)!.json).toMatchObject({ ts: first.ts, text: 'degraded' });

    // Another key starts its own thread.
    await SENDERS.slack(threaded({ text: 'cart synced' }, 'cart'));
    expect(slack.posts.at(-1)!.json).toEqual({ channel: 'threads', text: 'cart synced' });
  });

  describe('from the ConfigMap and Secret, through the notifier', () => {
    let env: TestEnv;
    let redis: Redis;

    beforeAll(async () => {
      env = await startEnv({ redis: true });
      redis = new Redis(env.redis.url);
    });
    afterAll(async () => {
      redis?.disconnect();
      await env?.[Symbol.asyncDispose]();
    });

    it('sends to each channel the annotation names and dead-letters what Slack refuses', async () => {
      const app = {
        metadata: {
          ...ref,
          annotations: {
            'notifications.argoproj.io/subscribe.on-sync-succeeded.slack': 'team-a; archived',
          },
        },
        spec: { project: 'default' },
        status: { sync: { status: 'Synced' }, health: { status: 'Healthy' } },
      };
      const outbox = new Outbox(redis, 3600, `flotilla:test:${Date.now()}`);
      const config = parseNotifyConfig({
        'service.slack': `token: $slack-token\napiURL: ${slack.apiURL}\nusername: flotilla`,
        'template.app-sync-succeeded': [
          'message: Synced {{.app.metadata.name}}',
          'slack:',
          '  groupingKey: "{{.app.metadata.name}}"',
          '  attachments: |',
          '    [{"title": "{{.app.metadata.name}}", "color": "#18be52"}]',
        ].join('\n'),
      });
      expect(config.problems).toEqual([]);
      const notifier = new Notifier(
        {
          app: () => Promise.resolve(app),
          project: () => Promise.resolve(undefined),
          settings: () => Promise.resolve({ config, secrets: { 'slack-token': TOKEN } }),
        },
        outbox,
        createLogger({ name: 'test', level: 'silent' }),
      );
      const event = {
        ...createEvent(
          'operation.succeeded',
          ref,
          { operationId: 'o1', revision: 'a'.repeat(40), message: 'ok', durationMs: 1 },
          { source: '/t', id: `slack-${Date.now()}` },
        ),
        name: 'operation.succeeded',
      } as FlotillaEvent & { name: EventName };

      const result = await notifier.handle(event);
      expect(result.sent).toBe(1);
      expect(result.failed).toEqual([]);
      expect(result.rejected.map((r) => r.reason)).toEqual([
        'slack slack: chat.postMessage refused: is_archived',
      ]);
      const post = slack.posts.find((p) => p.channel === 'team-a')!;
      expect(post.json).toMatchObject({
        text: 'Synced shop',
        username: 'flotilla',
        attachments: [{ title: 'shop', color: '#18be52' }],
      });
      expect(post.headers.authorization).toBe(`Bearer ${TOKEN}`);
      expect(post.json).not.toHaveProperty('groupingKey');

      // The thread is in Redis, where every replica (and the next process) finds it.
      expect(JSON.parse((await outbox.memory.get('slack:slack:team-a:shop'))!)).toEqual({
        channel: 'CTEAM-A',
        ts: post.ts,
      });
      await SENDERS.slack({
        ...delivery('team-a', {}, { groupingKey: 'shop' }),
        memory: outbox.memory,
      });
      expect(slack.posts.at(-1)!.json).toMatchObject({ channel: 'team-a', thread_ts: post.ts });
    });
  });
});
