// flotilla_chart_requests_total and flotilla_chart_request_seconds, counted by
// a ChartClient talking to the real test Helm repository and OCI registry.
import { join } from 'node:path';
import { register, type Counter, type Histogram } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { credentialFromSecret, type RepoCredential } from '@flotilla/git';
import { startEnv, writeChart, type TestEnv } from '@flotilla/testing';
import { ChartClient } from '../src/index.js';

let env: TestEnv;

function client(creds: RepoCredential[]): ChartClient {
  return new ChartClient({
    cacheDir: join(env.tmpDir, `store-${Math.random().toString(36).slice(2)}`),
    credentials: () => creds,
    trustedCerts: () => ({ '127.0.0.1': env.ca.caPem }),
  });
}

function registryCred(password: string): RepoCredential {
  return credentialFromSecret({
    metadata: { labels: { 'argocd.argoproj.io/secret-type': 'repository' } },
    stringData: {
      type: 'helm',
      enableOCI: 'true',
      url: `${env.registry.host}/charts`,
      username: env.registry.auth.username,
      password,
    },
  })!;
}

function helmCred(password: string): RepoCredential {
  return {
    urlPrefix: env.helmRepo.url,
    username: env.helmRepo.auth!.username,
    password,
    type: 'helm',
  };
}

/** The request counter and the histogram's sample counts, as `host op outcome` → value. */
async function snapshot(): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const requests = register.getSingleMetric('flotilla_chart_requests_total') as Counter;
  for (const v of (await requests.get()).values)
    out.set(`${v.labels['host']} ${v.labels['op']} ${v.labels['outcome']}`, v.value);
  const seconds = register.getSingleMetric('flotilla_chart_request_seconds') as Histogram;
  for (const v of (await seconds.get()).values)
    if (v.metricName === 'flotilla_chart_request_seconds_count')
      out.set(`${v.labels['host']} ${v.labels['op']} timed`, v.value);
  return out;
}

/** What `step` added to the counts (zero entries left out). */
async function counted(step: () => Promise<unknown>): Promise<Record<string, number>> {
  const before = await snapshot();
  await step();
  const after = await snapshot();
  const delta: Record<string, number> = {};
  for (const [key, value] of after) {
    const d = value - (before.get(key) ?? 0);
    if (d !== 0) delta[key] = d;
  }
  return delta;
}

const rejects = (p: () => Promise<unknown>, code: string) => async () => {
  await expect(p()).rejects.toMatchObject({ code });
};

beforeAll(async () => {
  env = await startEnv({ registry: true, helmRepo: true });
  const charts = join(env.tmpDir, 'charts');
  await env.registry.push(
    await writeChart(join(charts, 'oci'), { name: 'podinfo', version: '1.0.0' }),
  );
  await env.helmRepo.publish(
    await writeChart(join(charts, 'http'), { name: 'guestbook', version: '0.1.0' }),
  );
}, 1_800_000);

afterAll(async () => {
  await env?.[Symbol.asyncDispose]();
});

describe('chart source metrics', () => {
  it('count a Helm repository index and archive by host, op and outcome', async () => {
    const host = new URL(env.helmRepo.url).host;
    const charts = client([helmCred(env.helmRepo.auth!.password)]);
    const spec = { repoURL: env.helmRepo.url, chart: 'guestbook', targetRevision: '0.x' };
    const delta = await counted(async () => {
      const version = await charts.resolve(spec);
      (await charts.pull(spec, version)).release();
    });
    expect(delta).toEqual({
      [`${host} index ok`]: 1,
      [`${host} index timed`]: 1,
      [`${host} archive ok`]: 1,
      [`${host} archive timed`]: 1,
    });
  });

  it('count refused credentials as AuthFailed and a missing repository as NotFound', async () => {
    const host = new URL(env.helmRepo.url).host;
    const wrong = client([helmCred('not-the-password')]);
    expect(
      await counted(
        rejects(
          () => wrong.resolve({ repoURL: env.helmRepo.url, chart: 'guestbook' }),
          'RepositoryAuth',
        ),
      ),
    ).toEqual({ [`${host} index AuthFailed`]: 1, [`${host} index timed`]: 1 });
    const right = client([helmCred(env.helmRepo.auth!.password)]);
    expect(
      await counted(
        rejects(
          () => right.resolve({ repoURL: `${env.helmRepo.url}/missing`, chart: 'guestbook' }),
          'ChartNotFound',
        ),
      ),
    ).toEqual({ [`${host} index NotFound`]: 1, [`${host} index timed`]: 1 });
  });

  it('count a repository that does not answer as Unreachable', async () => {
    const host = new URL(env.helmRepo.url).host;
    const charts = client([helmCred(env.helmRepo.auth!.password)]);
    await env.helmRepo.stop();
    try {
      expect(
        await counted(
          rejects(
            () => charts.resolve({ repoURL: env.helmRepo.url, chart: 'guestbook' }),
            'RepositoryUnreachable',
          ),
        ),
      ).toEqual({ [`${host} index Unreachable`]: 1, [`${host} index timed`]: 1 });
    } finally {
      await env.helmRepo.start();
    }
  });

  it('count OCI tags, manifest and blob calls by registry host', async () => {
    const host = env.registry.host;
    const charts = client([registryCred(env.registry.auth.password)]);
    const spec = { repoURL: `oci://${host}/charts`, chart: 'podinfo', targetRevision: '1.x' };
    const delta = await counted(async () => {
      const version = await charts.resolve(spec);
      (await charts.pull(spec, version)).release();
    });
    expect(delta).toEqual({
      [`${host} tags ok`]: 1,
      [`${host} tags timed`]: 1,
      [`${host} manifest ok`]: 1,
      [`${host} manifest timed`]: 1,
      [`${host} blob ok`]: 1,
      [`${host} blob timed`]: 1,
    });
  });

  it('count refused registry credentials as AuthFailed and a missing chart as NotFound', async () => {
    const host = env.registry.host;
    const wrong = client([registryCred('not-the-password')]);
    expect(
      await counted(
        rejects(
          () => wrong.resolve({ repoURL: `oci://${host}/charts`, chart: 'podinfo' }),
          'RepositoryAuth',
        ),
      ),
    ).toEqual({ [`${host} tags AuthFailed`]: 1, [`${host} tags timed`]: 1 });
    const right = client([registryCred(env.registry.auth.password)]);
    expect(
      await counted(
        rejects(
          () => right.pull({ repoURL: `oci://${host}/charts`, chart: 'podinfo' }, '9.9.9'),
          'ChartNotFound',
        ),
      ),
    ).toEqual({ [`${host} manifest NotFound`]: 1, [`${host} manifest timed`]: 1 });
  });

  it('label by host only: no path, user or password in any label', async () => {
    const labels = [...(await snapshot()).keys()].join('\n');
    expect(labels).not.toMatch(/charts|podinfo|guestbook|missing|password/);
    expect(labels).not.toContain(env.registry.auth.password);
    expect(labels).not.toContain(env.helmRepo.auth!.password);
  });
});
