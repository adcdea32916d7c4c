import { join } from 'node:path';
import type { RuntimeConfig } from '@flotilla/runtime';
import type { WebhookSecrets } from '@flotilla/git';

/** git-poller settings after defaults; see docs/configuration.md. */
export interface GitPollerOptions {
  readonly intervalMs: number;
  readonly jitterMs: number;
  /** `host:port` of the webhook listener; port 0 picks a free one. */
  readonly webhookAddr: string;
  readonly webhookSecrets: WebhookSecrets;
  readonly maxWebhookBytes: number;
  readonly allowLocalRepos: boolean;
  readonly repoCacheDir: string;
  /** Where chart listings are read from (nothing is pulled); beside the repository cache. */
  readonly chartCacheDir: string;
  /** What a registry's push notification carries in `Authorization` (`/api/webhook/registry`). */
  readonly registryWebhookSecret: string | undefined;
}

const seconds = (v: string | undefined, def: number) => (v ? Number.parseFloat(v) * 1000 : def);

/** Compiles options from the environment (passed in, never read here). */
export function compileGitPollerOptions(
  env: Readonly<Record<string, string | undefined>>,
  config: RuntimeConfig,
): GitPollerOptions {
  const azure = env['FLOTILLA_WEBHOOK_AZUREDEVOPS_USERNAME'];
  const options: GitPollerOptions = {
    intervalMs: seconds(env['FLOTILLA_POLL_INTERVAL_SECONDS'], 120_000),
    jitterMs: seconds(env['FLOTILLA_POLL_JITTER_SECONDS'], 60_000),
    webhookAddr: env['FLOTILLA_WEBHOOK_ADDR'] ?? '0.0.0.0:8081',
    maxWebhookBytes: Number(env['FLOTILLA_WEBHOOK_MAX_BYTES'] ?? 5 * 1024 * 1024),
    allowLocalRepos: env['FLOTILLA_ALLOW_LOCAL_REPOS'] === 'true',
    repoCacheDir: env['FLOTILLA_REPO_CACHE_DIR'] ?? join(config.cacheDir, 'repos'),
    chartCacheDir: join(config.cacheDir, 'git-poller-charts'),
    registryWebhookSecret: env['FLOTILLA_WEBHOOK_REGISTRY_SECRET'] || undefined,
    webhookSecrets: {
      github: env['FLOTILLA_WEBHOOK_GITHUB_SECRET'],
      gitlab: env['FLOTILLA_WEBHOOK_GITLAB_SECRET'],
      gitea: env['FLOTILLA_WEBHOOK_GITEA_SECRET'],
      gogs: env['FLOTILLA_WEBHOOK_GOGS_SECRET'],
      bitbucket: env['FLOTILLA_WEBHOOK_BITBUCKET_SECRET'],
      bitbucketserver: env['FLOTILLA_WEBHOOK_BITBUCKETSERVER_SECRET'],
      generic: env['FLOTILLA_WEBHOOK_GENERIC_SECRET'],
      ...(azure
        ? {
            azuredevops: {
              username: azure,
              password: env['FLOTILLA_WEBHOOK_AZUREDEVOPS_PASSWORD'] ?? '',
            },
          }
        : {}),
      allowUnsigned: env['FLOTILLA_WEBHOOK_ALLOW_UNSIGNED'] === 'true',
    },
  };
  if (!(options.intervalMs > 0))
    throw new Error('FLOTILLA_POLL_INTERVAL_SECONDS must be a positive number');
  if (!(options.jitterMs >= 0))
    throw new Error('FLOTILLA_POLL_JITTER_SECONDS must be zero or more');
  if (!/^[^:]*:\d+$/.test(options.webhookAddr))
    throw new Error('FLOTILLA_WEBHOOK_ADDR must be host:port');
  return options;
}
