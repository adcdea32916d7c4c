/** One repository a registry says was pushed to. */
export interface RegistryPush {
  /** The registry's host (`host:port`) as the pusher named it, when the payload says. */
  readonly host?: string;
  /** The repository path inside the registry (`charts/podinfo`). */
  readonly repo: string;
  readonly tag?: string;
}

// Registry payloads are third-party JSON; fields are read defensively.
type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v && typeof v === 'object' ? (v as Json) : {});
const str = (v: unknown): string | undefined =>
  typeof v === 'string' && v.length > 0 ? v : undefined;

/**
 * The pushes a registry notification reports, one per repository and tag:
 * a distribution (Docker/OCI) registry's envelope (`events` with action
 * `push`) or a Harbor webhook (`type: PUSH_ARTIFACT`). Anything else is no
 * push.
 */
export function parseRegistryPush(body: unknown): RegistryPush[] {
  const json = obj(body);
  const out = new Map<string, RegistryPush>();
  const add = (p: RegistryPush) =>
    out.set(`${p.host ?? ''}/${p.repo}:${p.tag ?? ''}`, {
      ...p,
      repo: p.repo.replace(/^\/+|\/+$/g, ''),
    });
  if (Array.isArray(json['events'])) {
    for (const raw of json['events']) {
      const e = obj(raw);
      if (e['action'] !== 'push') continue;
      const target = obj(e['target']);
      const repo = str(target['repository']);
      if (!repo) continue;
      const host = str(obj(e['request'])['host']);
      const tag = str(target['tag']);
      add({ repo, ...(host ? { host } : {}), ...(tag ? { tag } : {}) });
    }
  }
  if (json['type'] === 'PUSH_ARTIFACT') {
    const data = obj(json['event_data']);
    const repo = str(obj(data['repository'])['repo_full_name']);
    const resources = Array.isArray(data['resources']) ? data['resources'].map(obj) : [];
    for (const r of resources.length > 0 ? resources : [{}]) {
      if (!repo) break;
      const url = str(r['resource_url']);
      const host = url && url.includes('/') ? url.slice(0, url.indexOf('/')) : undefined;
      const tag = str(r['tag']);
      add({ repo, ...(host ? { host } : {}), ...(tag ? { tag } : {}) });
    }
  }
  return [...out.values()];
}
