import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@flotilla/runtime';
import {
  appsForChartPush,
  createRegistryWebhookHandler,
  parseRegistryPush,
  type ChartWatch,
  type PolledApp,
  type RegistryPush,
} from '../src/index.js';

// A distribution registry's notification envelope, as its notifications endpoint sends it.
const distribution = {
  events: [
    {
      id: 'e1',
      action: 'push',
      target: {
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        repository: 'charts/podinfo',
        tag: '1.1.0',
        digest: `sha256:${'b'.repeat(64)}`,
      },
      request: { host: 'registry.example:5000', method: 'PUT' },
    },
    { id: 'e2', action: 'pull', target: { repository: 'charts/other' } },
  ],
};
// A Harbor PUSH_ARTIFACT webhook.
const harbor = {
  type: 'PUSH_ARTIFACT',
  occur_at: 1700000000,
  operator: 'admin',
  event_data: {
    resources: [{ tag: '2.0.0', resource_url: 'harbor.example/library/web:2.0.0' }],
    repository: { name: 'web', namespace: 'library', repo_full_name: 'library/web' },
  },
};

describe('registry push notifications', () => {
  it('reads distribution and Harbor pushes, and nothing else', () => {
    expect(parseRegistryPush(distribution)).toEqual([
      { host: 'registry.example:5000', repo: 'charts/podinfo', tag: '1.1.0' },
    ]);
    expect(parseRegistryPush(harbor)).toEqual([
      { host: 'harbor.example', repo: 'library/web', tag: '2.0.0' },
    ]);
    expect(parseRegistryPush({ type: 'DELETE_ARTIFACT', event_data: harbor.event_data })).toEqual(
      [],
    );
    expect(
      parseRegistryPush({ events: [{ action: 'pull', target: { repository: 'x' } }] }),
    ).toEqual([]);
    expect(parseRegistryPush('not an object')).toEqual([]);
  });

  // A watch as the git-poller's: `oci://host/path` + chart, constraints polled, exact versions not.
  const watch: ChartWatch = {
    listing: (s) => {
      if (/^\d+\.\d+\.\d+$/.test(s.targetRevision ?? '')) return undefined;
      const rest = s.repoURL.replace(/^oci:\/\//, '');
      const host = rest.slice(0, rest.indexOf('/'));
      const repo = `${rest.slice(rest.indexOf('/') + 1)}/${s.chart}`;
      return { key: `oci://${host}/${repo}`, oci: { host, repo } };
    },
    pick: () => '',
  };
  const app = (name: string, repoURL: string, targetRevision: string): PolledApp => ({
    ref: { namespace: 'flotilla', name },
    sources: [{ repoURL, chart: 'podinfo', targetRevision }],
  });

  it('matches the apps polling the pushed repository, never those pinned to a version', () => {
    const apps = [
      app('staging', 'oci://registry.example:5000/charts', '1.x'),
      app('prod', 'oci://registry.example:5000/charts', '1.0.0'),
      app('elsewhere', 'oci://other.example/charts', '1.x'),
      app('other-path', 'oci://registry.example:5000/team', '1.x'),
      { ref: { namespace: 'flotilla', name: 'git' }, sources: [{ repoURL: 'https://git/x' }] },
    ];
    const names = (push: RegistryPush) =>
      appsForChartPush(apps, push, watch).map((a) => a.ref.name);
    expect(names({ host: 'registry.example:5000', repo: 'charts/podinfo' })).toEqual(['staging']);
    expect(names({ repo: 'charts/podinfo' })).toEqual(['staging', 'elsewhere']);
    expect(names({ host: 'registry.example:5000', repo: 'charts/web' })).toEqual([]);
  });

  describe('the endpoint', () => {
    let server: Server;
    let url: string;
    const seen: RegistryPush[][] = [];
    beforeAll(async () => {
      const handler = createRegistryWebhookHandler({
        secret: 's3cret',
        maxBodyBytes: 4096,
        logger: createLogger({ name: 'test', level: 'silent' }),
        onPush: async (pushes) => {
          seen.push(pushes);
          return pushes.length;
        },
      });
      server = createServer(handler);
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/webhook/registry`;
    });
    afterAll(() => new Promise<void>((r) => server.close(() => r())));

    const post = (body: unknown, authorization?: string) =>
      fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/vnd.docker.distribution.events.v1+json',
          ...(authorization ? { authorization } : {}),
        },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });

    it('acts on an authorised push (Bearer or the bare secret) and refuses others', async () => {
      const ok = await post(distribution, 'Bearer s3cret');
      expect(ok.status).toBe(200);
      expect(await ok.json()).toMatchObject({ provider: 'registry', matched: 1 });
      expect((await post(harbor, 's3cret')).status).toBe(200);
      expect(seen.map((s) => s[0]!.repo)).toEqual(['charts/podinfo', 'library/web']);

      expect((await post(distribution, 'Bearer wrong')).status).toBe(401);
      expect((await post(distribution)).status).toBe(401);
      expect((await post('{not json', 'Bearer s3cret')).status).toBe(400);
      expect((await post({ events: [] }, 'Bearer s3cret')).status).toBe(200);
      expect((await post({ pad: 'x'.repeat(5000) }, 'Bearer s3cret')).status).toBe(413);
      expect(seen).toHaveLength(2);
    });
  });
});
