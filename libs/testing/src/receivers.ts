// Real receivers for the notifier's tests: an HTTP server playing a signed
// webhook endpoint, Slack and Teams incoming webhooks and the GitHub REST API,
// and an SMTP server that accepts mail. They record what they accepted.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHmac } from 'node:crypto';
import { SMTPServer } from 'smtp-server';

/** The signature a sender must put in `X-Flotilla-Signature-256`, computed here independently. */
const signature = (secret: string, body: string) =>
  `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

/** One request a receiver answered with 2xx. */
export interface Accepted {
  readonly path: string;
  readonly method: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
  readonly json?: unknown;
}

/** The HTTP receiver. */
export interface HttpReceiver extends AsyncDisposable {
  readonly url: string;
  readonly accepted: Accepted[];
  /** Requests refused because the signature did not verify. */
  readonly badSignatures: number;
  /** Holds requests to `path` unanswered until {@link release}; `onHeld` hears of each. */
  hold(path: string, onHeld: () => void): void;
  /** Resolves once the client of every held request has gone (it was killed). */
  heldClientsGone(): Promise<void>;
  /** Answers the held requests (those whose client is gone are not accepted). */
  release(): void;
}

/** Starts the HTTP receiver; `/hook*` requests must carry a valid signature under `secret`. */
export async function startHttpReceiver(secret: string): Promise<HttpReceiver> {
  const accepted: Accepted[] = [];
  let badSignatures = 0;
  let held: { path: string; onHeld: () => void } | undefined;
  const waiting: (() => void)[] = [];
  const gone: Promise<void>[] = [];
  let deploymentId = 0;
  const deployments: { id: number; sha: string; environment: string }[] = [];

  const answer = (req: IncomingMessage, res: ServerResponse, body: string) => {
    const path = req.url ?? '';
    if (path.startsWith('/hook')) {
      const sig = req.headers['x-flotilla-signature-256'];
      if (sig !== signature(secret, body)) {
        badSignatures++;
        res.writeHead(401).end('bad signature');
        return;
      }
    }
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      json = undefined;
    }
    // GitHub-shaped API under /api.
    let reply = '{}';
    const m = /^\/api\/repos\/([^/]+)\/([^/]+)\/deployments(\?.*|\/(\d+)\/statuses)?$/.exec(path);
    if (m && req.method === 'GET') {
      const q = new URLSearchParams((m[3] ?? '').slice(1));
      reply = JSON.stringify(
        deployments.filter((d) => d.sha === q.get('sha') && d.environment === q.get('environment')),
      );
    } else if (m && !m[3] && req.method === 'POST') {
      const d = json as { ref: string; environment: string };
      const dep = { id: ++deploymentId, sha: d.ref, environment: d.environment };
      deployments.unshift(dep);
      reply = JSON.stringify(dep);
    }
    if (res.destroyed || req.socket.destroyed) return;
    res.writeHead(path.startsWith('/api') && req.method === 'POST' ? 201 : 200, {
      'Content-Type': 'application/json',
    });
    res.end(reply, () =>
      accepted.push({
        path,
        method: req.method ?? '',
        headers: req.headers,
        body,
        ...(json !== undefined ? { json } : {}),
      }),
    );
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      if (held && req.url?.startsWith(held.path)) {
        waiting.push(() => answer(req, res, body));
        gone.push(
          new Promise((r) => (req.socket.destroyed ? r() : req.socket.once('close', () => r()))),
        );
        held.onHeld();
        return;
      }
      answer(req, res, body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    accepted,
    get badSignatures() {
      return badSignatures;
    },
    hold(path, onHeld) {
      held = { path, onHeld };
    },
    async heldClientsGone() {
      await Promise.all(gone);
    },
    release() {
      held = undefined;
      for (const w of waiting.splice(0)) w();
    },
    async [Symbol.asyncDispose]() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

/** A mail the SMTP server accepted. */
export interface Mail {
  readonly from: string;
  readonly to: string[];
  readonly raw: string;
}

/** Starts an SMTP server on a free port (no TLS, no auth) that keeps every mail. */
export async function startSmtpReceiver(): Promise<
  { port: number; mails: Mail[] } & AsyncDisposable
> {
  const mails: Mail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, done) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        done();
      });
    },
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    mails,
    async [Symbol.asyncDispose]() {
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** One message the Slack-shaped Web API accepted. */
export interface SlackPost {
  readonly channel: string;
  /** The `ts` it answered, as Slack names a message. */
  readonly ts: string;
  readonly json: Record<string, unknown>;
  readonly headers: IncomingMessage['headers'];
}

/** A receiver answering like Slack's Web API (`chat.postMessage`, `chat.update`) under `<url>/`. */
export interface SlackApiReceiver extends AsyncDisposable {
  /** What `apiURL` is set to: `http://127.0.0.1:<port>/api/`. */
  readonly apiURL: string;
  readonly posts: SlackPost[];
  /** Edits of posted messages, `channel` being the id the post answered. */
  readonly updates: SlackPost[];
  /** Requests answered `ok: false` (or 429), with the error it gave. */
  readonly refused: string[];
}

/**
 * Starts an HTTP server that answers `POST /api/chat.postMessage` as Slack
 * does: HTTP 200 with `ok: false` and an `error` for a wrong bearer token
 * (`invalid_auth`), a missing channel (`channel_not_found`) or the channel
 * `archived` (`is_archived`); HTTP 429 with `Retry-After` the first time a
 * message goes to the channel `busy`; otherwise `ok: true` with the channel's id
 * (`C` and its name in capitals) and a `ts`. `POST /api/chat.update` edits a
 * posted message named by that channel id and `ts` (else `message_not_found`).
 */
export async function startSlackApiReceiver(token: string): Promise<SlackApiReceiver> {
  const posts: SlackPost[] = [];
  const updates: SlackPost[] = [];
  const refused: string[] = [];
  const busySeen = new Set<string>();
  let seq = 0;
  const reply = (res: ServerResponse, status: number, body: object, headers = {}) =>
    res
      .writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', ...headers })
      .end(JSON.stringify(body));
  const refuse = (res: ServerResponse, error: string, status = 200, headers = {}) => {
    refused.push(error);
    reply(res, status, { ok: false, error }, headers);
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const method =
        req.method === 'POST'
          ? /^\/api\/(chat\.postMessage|chat\.update)$/.exec(req.url ?? '')?.[1]
          : undefined;
      if (!method) return refuse(res, 'unknown_method', 404);
      if (req.headers.authorization !== `Bearer ${token}`) return refuse(res, 'invalid_auth');
      if (!String(req.headers['content-type']).startsWith('application/json'))
        return refuse(res, 'invalid_form_data');
      let json: Record<string, unknown>;
      try {
        json = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
      } catch {
        return refuse(res, 'invalid_json');
      }
      const channel = typeof json['channel'] === 'string' ? json['channel'] : '';
      if (!channel) return refuse(res, 'channel_not_found');
      if (method === 'chat.update') {
        const post = posts.find(
          (p) => `C${p.channel.toUpperCase()}` === channel && p.ts === json['ts'],
        );
        if (!post) return refuse(res, 'message_not_found');
        updates.push({ channel, ts: post.ts, json, headers: req.headers });
        return reply(res, 200, { ok: true, channel, ts: post.ts, text: json['text'] });
      }
      if (channel === 'archived') return refuse(res, 'is_archived');
      const id = String(req.headers['x-flotilla-delivery'] ?? '');
      if (channel === 'busy' && !busySeen.has(id)) {
        busySeen.add(id);
        return refuse(res, 'ratelimited', 429, { 'Retry-After': '1' });
      }
      const ts = `${1_700_000_000 + ++seq}.000100`;
      posts.push({ channel, ts, json, headers: req.headers });
      reply(res, 200, { ok: true, channel: `C${channel.toUpperCase()}`, ts, message: json });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    apiURL: `http://127.0.0.1:${port}/api/`,
    posts,
    updates,
    refused,
    async [Symbol.asyncDispose]() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
