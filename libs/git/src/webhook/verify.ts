import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** Git hosting providers whose push webhooks are understood. */
export const Provider = {
  GitHub: 'github',
  GitLab: 'gitlab',
  Gitea: 'gitea',
  Gogs: 'gogs',
  BitbucketCloud: 'bitbucket',
  BitbucketServer: 'bitbucketserver',
  AzureDevOps: 'azuredevops',
  Generic: 'generic',
} as const;
/** A Git hosting provider. */
export type Provider = (typeof Provider)[keyof typeof Provider];

/** Webhook secrets per provider; a provider without one is refused unless `allowUnsigned`. */
export interface WebhookSecrets {
  readonly github?: string;
  readonly gitlab?: string;
  readonly gitea?: string;
  readonly gogs?: string;
  /** Bitbucket Cloud: HMAC secret (X-Hub-Signature) or the webhook UUID (X-Hook-UUID). */
  readonly bitbucket?: string;
  readonly bitbucketserver?: string;
  readonly azuredevops?: { readonly username: string; readonly password: string };
  /** Generic HMAC-SHA256 in `X-Flotilla-Signature-256: sha256=<hex>`. */
  readonly generic?: string;
  /** Accept pushes from providers with no secret configured (they only trigger a refresh). */
  readonly allowUnsigned?: boolean;
}

const header = (h: IncomingHttpHeaders, name: string): string | undefined => {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
};

/** Constant-time comparison of two strings (false on length mismatch, without early exit on content). */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  if (x.length !== y.length) {
    timingSafeEqual(x, x);
    return false;
  }
  return timingSafeEqual(x, y);
}

const hmac = (secret: string, body: Buffer) =>
  createHmac('sha256', secret).update(body).digest('hex');

/** Which provider sent a request, from its headers. */
export function detectProvider(h: IncomingHttpHeaders): Provider | undefined {
  if (header(h, 'x-github-event')) return 'github';
  if (header(h, 'x-gitlab-event')) return 'gitlab';
  if (header(h, 'x-gitea-event')) return 'gitea';
  if (header(h, 'x-gogs-event')) return 'gogs';
  const key = header(h, 'x-event-key');
  if (key) return key.startsWith('repo:refs_changed') ? 'bitbucketserver' : 'bitbucket';
  if (header(h, 'x-flotilla-signature-256')) return 'generic';
  if (header(h, 'authorization')?.startsWith('Basic ')) return 'azuredevops';
  return undefined;
}

/** True when the request proves it knows the provider's secret. */
export function verifyWebhook(
  provider: Provider,
  h: IncomingHttpHeaders,
  body: Buffer,
  secrets: WebhookSecrets,
): boolean {
  const sha256Header = (name: string, secret: string) => {
    const got = header(h, name) ?? '';
    return got.startsWith('sha256=') && safeEqual(got.slice(7), hmac(secret, body));
  };
  switch (provider) {
    case 'github':
      return secrets.github
        ? sha256Header('x-hub-signature-256', secrets.github)
        : !!secrets.allowUnsigned;
    case 'gitlab':
      return secrets.gitlab
        ? safeEqual(header(h, 'x-gitlab-token') ?? '', secrets.gitlab)
        : !!secrets.allowUnsigned;
    case 'gitea':
      return secrets.gitea
        ? safeEqual(header(h, 'x-gitea-signature') ?? '', hmac(secrets.gitea, body))
        : !!secrets.allowUnsigned;
    case 'gogs':
      return secrets.gogs
        ? safeEqual(header(h, 'x-gogs-signature') ?? '', hmac(secrets.gogs, body))
        : !!secrets.allowUnsigned;
    case 'bitbucket':
      if (!secrets.bitbucket) return !!secrets.allowUnsigned;
      return (
        sha256Header('x-hub-signature', secrets.bitbucket) ||
        safeEqual(header(h, 'x-hook-uuid') ?? '', secrets.bitbucket)
      );
    case 'bitbucketserver':
      return secrets.bitbucketserver
        ? sha256Header('x-hub-signature', secrets.bitbucketserver)
        : !!secrets.allowUnsigned;
    case 'azuredevops': {
      if (!secrets.azuredevops) return !!secrets.allowUnsigned;
      const want = `Basic ${Buffer.from(`${secrets.azuredevops.username}:${secrets.azuredevops.password}`).toString('base64')}`;
      return safeEqual(header(h, 'authorization') ?? '', want);
    }
    case 'generic':
      return secrets.generic ? sha256Header('x-flotilla-signature-256', secrets.generic) : false;
  }
}
