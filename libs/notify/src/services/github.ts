import { DeliveryError } from '../errors.js';
import { send, setting } from './http.js';
import type { Delivery } from './types.js';

/** `owner/repo` of a Git URL (https, ssh or scp-like), from its last two path segments. */
export function repoSlug(repoURL: string): { owner: string; repo: string } | undefined {
  const path = repoURL.replace(/^[a-z+]+:\/\/[^/]+\//i, '').replace(/^[^@/]+@[^:]+:/, '');
  const parts = path
    .replace(/\.git$/, '')
    .replace(/\/$/, '')
    .split('/')
    .filter(Boolean);
  if (parts.length < 2) return undefined;
  return { owner: parts.at(-2)!, repo: parts.at(-1)! };
}

const SHA = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

/**
 * GitHub commit status and deployment status over the REST API
 * (`service.github`: `token`, `apiURL` or `enterpriseBaseURL`). The
 * template's `github.status` sets a commit status on the synced revision;
 * `github.deployment` finds or creates the deployment of that revision and
 * environment and adds a status to it, so a retry adds no second deployment.
 */
export async function sendGitHub(d: Delivery): Promise<void> {
  const token = setting(d.settings, 'token', d.serviceName);
  const api = String(
    d.settings['apiURL'] ?? d.settings['enterpriseBaseURL'] ?? 'https://api.github.com',
  ).replace(/\/$/, '');
  const g = d.rendered.github;
  if (!g?.status && !g?.deployment) return;
  const slug = repoSlug(g.repoURLPath ?? '');
  const sha = (g.revisionPath ?? '').trim();
  if (!slug)
    throw new DeliveryError(
      `github ${d.serviceName}: cannot tell owner/repo of ${JSON.stringify(g.repoURLPath)}`,
      true,
    );
  if (!SHA.test(sha))
    throw new DeliveryError(
      `github ${d.serviceName}: ${JSON.stringify(sha)} is not a commit SHA`,
      true,
    );
  const repo = `${api}/repos/${encodeURIComponent(slug.owner)}/${encodeURIComponent(slug.repo)}`;
  const headers = {
    Accept: 'application/vnd.github+json',
    Authorization: `Bearer ${token}`,
    'Content-Type': 'application/json',
    'X-GitHub-Api-Version': '2022-11-28',
  };
  const description = d.rendered.message.split('\n')[0]!.slice(0, 140);
  if (g.status?.state) {
    await send(`github ${d.serviceName} commit status`, {
      url: `${repo}/statuses/${sha}`,
      headers,
      body: JSON.stringify({
        state: g.status.state,
        context: g.status.label || 'flotilla',
        description,
        ...(g.status.targetURL ? { target_url: g.status.targetURL } : {}),
      }),
    });
  }
  const dep = g.deployment;
  if (dep?.state) {
    const environment = dep.environment || 'production';
    const query = `sha=${sha}&environment=${encodeURIComponent(environment)}`;
    const found = JSON.parse(
      await send(`github ${d.serviceName} deployments`, {
        method: 'GET',
        url: `${repo}/deployments?${query}`,
        headers,
      }),
    ) as { id: number }[];
    let id = found[0]?.id;
    if (id === undefined) {
      const created = JSON.parse(
        await send(`github ${d.serviceName} deployment`, {
          url: `${repo}/deployments`,
          headers,
          body: JSON.stringify({
            ref: sha,
            environment,
            auto_merge: false,
            required_contexts: [],
            description,
          }),
        }),
      ) as { id: number };
      id = created.id;
    }
    await send(`github ${d.serviceName} deployment status`, {
      url: `${repo}/deployments/${id}/statuses`,
      headers,
      body: JSON.stringify({
        state: dep.state,
        description,
        ...(dep.logURL ? { log_url: dep.logURL } : {}),
        ...(dep.environmentURL ? { environment_url: dep.environmentURL } : {}),
      }),
    });
  }
}
