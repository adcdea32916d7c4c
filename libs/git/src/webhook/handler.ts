import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '@flotilla/runtime';
import { parsePullRequest, parsePush, type PullRequestEvent, type PushEvent } from './parse.js';
import { parseRegistryPush, type RegistryPush } from './registry.js';
import { detectProvider, safeEqual, verifyWebhook, type WebhookSecrets } from './verify.js';

/** Options for {@link createWebhookHandler}. */
export interface WebhookOptions {
  readonly secrets: WebhookSecrets;
  /** Largest body accepted; 5 MiB unless set. Larger requests get 413. */
  readonly maxBodyBytes?: number;
  /** Acts on a verified push; returns how many apps it triggered. */
  readonly onPush: (push: PushEvent) => Promise<number>;
  /** Acts on a verified pull (merge) request event; such events are ignored without it. */
  readonly onPullRequest?: (pr: PullRequestEvent) => Promise<number>;
  readonly logger: Logger;
}

function send(res: ServerResponse, status: number, body: Record<string, unknown>): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

/**
 * Handles `POST /api/webhook` from GitHub, GitLab, Gitea, Gogs, Bitbucket
 * Cloud and Server, Azure DevOps and a generic HMAC sender. The body is
 * limited in size and verified in constant time before it is parsed; bad
 * signatures get 401, oversized bodies 413, and events other than pushes
 * (and pull requests, when `onPullRequest` is given) 200 with nothing done.
 */
export function createWebhookHandler(
  options: WebhookOptions,
): (req: IncomingMessage, res: ServerResponse) => void {
  const limit = options.maxBodyBytes ?? 5 * 1024 * 1024;
  return (req, res) => {
    readBody(req, res, limit, (body) => {
      const provider = detectProvider(req.headers);
      if (!provider) return send(res, 400, { error: 'unknown webhook sender' });
      if (!verifyWebhook(provider, req.headers, body, options.secrets)) {
        options.logger.warn({ provider }, 'webhook signature rejected');
        return send(res, 401, { error: 'signature verification failed' });
      }
      let json: Record<string, unknown>;
      try {
        json = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
      } catch {
        return send(res, 400, { error: 'body is not JSON' });
      }
      const event = (req.headers['x-github-event'] ??
        req.headers['x-gitlab-event'] ??
        req.headers['x-gitea-event'] ??
        req.headers['x-gogs-event'] ??
        req.headers['x-event-key']) as string | undefined;
      const push = parsePush(provider, event, json);
      const pr =
        push || !options.onPullRequest ? undefined : parsePullRequest(provider, event, json);
      if (pr && options.onPullRequest) {
        options
          .onPullRequest(pr)
          .then((matched) => send(res, 200, { provider, pullRequest: pr.number, matched }))
          .catch((err: unknown) => {
            options.logger.error(
              { err: (err as Error).message, provider },
              'webhook handling failed',
            );
            send(res, 500, { error: 'could not process the pull request event' });
          });
        return;
      }
      if (!push) return send(res, 200, { provider, ignored: event ?? 'not a push' });
      options
        .onPush(push)
        .then((matched) => send(res, 200, { provider, ref: push.ref, matched }))
        .catch((err: unknown) => {
          options.logger.error(
            { err: (err as Error).message, provider },
            'webhook handling failed',
          );
          send(res, 500, { error: 'could not process the push' });
        });
    });
  };
}

/** Options for {@link createRegistryWebhookHandler}. */
export interface RegistryWebhookOptions {
  /** What the `Authorization` header must carry (as is, or after `Bearer `); none refuses all unless `allowUnsigned`. */
  readonly secret?: string;
  readonly allowUnsigned?: boolean;
  /** Largest body accepted; 5 MiB unless set. */
  readonly maxBodyBytes?: number;
  /** Acts on the pushed repositories; returns how many apps it triggered. */
  readonly onPush: (pushes: RegistryPush[]) => Promise<number>;
  readonly logger: Logger;
}

/**
 * Handles `POST /api/webhook/registry`: a distribution (Docker/OCI)
 * registry notification or a Harbor push event, authenticated by a shared
 * secret in the `Authorization` header (both senders can be set to send
 * one). Other events get 200 with nothing done.
 */
export function createRegistryWebhookHandler(
  options: RegistryWebhookOptions,
): (req: IncomingMessage, res: ServerResponse) => void {
  const limit = options.maxBodyBytes ?? 5 * 1024 * 1024;
  return (req, res) => {
    readBody(req, res, limit, (body) => {
      const got = String(req.headers.authorization ?? '');
      const ok = options.secret
        ? safeEqual(got.replace(/^Bearer\s+/i, ''), options.secret)
        : !!options.allowUnsigned;
      if (!ok) {
        options.logger.warn({ provider: 'registry' }, 'registry webhook secret rejected');
        return send(res, 401, { error: 'authorization failed' });
      }
      let json: unknown;
      try {
        json = JSON.parse(body.toString('utf8'));
      } catch {
        return send(res, 400, { error: 'body is not JSON' });
      }
      const pushes = parseRegistryPush(json);
      if (pushes.length === 0) return send(res, 200, { provider: 'registry', ignored: 'no push' });
      options
        .onPush(pushes)
        .then((matched) =>
          send(res, 200, { provider: 'registry', repositories: pushes.length, matched }),
        )
        .catch((err: unknown) => {
          options.logger.error({ err: (err as Error).message }, 'registry webhook handling failed');
          send(res, 500, { error: 'could not process the push' });
        });
    });
  };
}

// Reads a POST body up to `limit` bytes, answering 405 or 413 itself.
function readBody(
  req: IncomingMessage,
  res: ServerResponse,
  limit: number,
  then: (body: Buffer) => void,
): void {
  if (req.method !== 'POST') return send(res, 405, { error: 'use POST' });
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) {
    req.resume();
    return send(res, 413, { error: `body larger than ${limit} bytes` });
  }
  const chunks: Buffer[] = [];
  let size = 0;
  let aborted = false;
  req.on('data', (c: Buffer) => {
    size += c.length;
    if (size > limit && !aborted) {
      aborted = true;
      send(res, 413, { error: `body larger than ${limit} bytes` });
      req.destroy();
      return;
    }
    if (!aborted) chunks.push(c);
  });
  req.on('end', () => {
    if (!aborted) then(Buffer.concat(chunks));
  });
}
