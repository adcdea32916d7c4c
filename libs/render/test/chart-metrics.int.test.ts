// flotilla_chart_requests_total and flotilla_chart_request_seconds, counted by
// a ChartClient talking to the real test Helm repository and OCI registry.
import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { register, type Counter, type Histogram } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RepoCredential } from '@flotilla/git';
import { startEnv, writeChart, type TestEnv } from '@flotilla/testing';
import { ChartClient, type ChartSpec } from '../src/index.js';

let env: TestEnv;

function client(creds: RepoCredential[], of = env, timeoutMs?: number): ChartClient {
  return new ChartClient({
    ...(timeoutMs ? { timeoutMs } : {}),
    cacheDir: join(of.tmpDir, `store-${Math.random().toString(36).slice(2)}`),
    credentials: () => creds,
    trustedCerts: () => ({ '127.0.0.1': of.ca.caPem }),
  });
}

function registryCred(password: string, of = env): RepoCredential {
  return {
    urlPrefix: `oci://${of.registry.host}`,
    username: of.registry.auth.username,
    password,
    type: 'helm',
  };
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

/** What one resolve and pull of `spec` added to the counts. */
const fetched = (charts: ChartClient, spec: ChartSpec) =>
  counted(async () => {
    const version = await charts.resolve(spec);
    (await charts.pull(spec, version)).release();
  });

/** The counts of one call per `[host, op, outcome]`: its outcome and its timing. */
function calls(...made: [string, string, string][]): Record<string, number> {
  return Object.fromEntries(
    made.flatMap(([host, op, outcome]) => [
      [`${host} ${op} ${outcome}`, 1],
      [`${host} ${op} timed`, 1],
    ]),
  );
}

/** The calls of resolving a chart of an OCI registry and pulling it: tags, manifest, blob. */
const ociFetch = (host: string) =>
  calls([host, 'tags', 'ok'], [host, 'manifest', 'ok'], [host, 'blob', 'ok']);

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
    const delta = await fetched(charts, spec);
    expect(delta).toEqual(calls([host, 'index', 'ok'], [host, 'archive', 'ok']));
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
    ).toEqual(calls([host, 'index', 'AuthFailed']));
    const right = client([helmCred(env.helmRepo.auth!.password)]);
    expect(
      await counted(
        rejects(
          () => right.resolve({ repoURL: `${env.helmRepo.url}/missing`, chart: 'guestbook' }),
          'ChartNotFound',
        ),
      ),
    ).toEqual(calls([host, 'index', 'NotFound']));
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
      ).toEqual(calls([host, 'index', 'Unreachable']));
    } finally {
      await env.helmRepo.start();
    }
  });

  it('count a repository that accepts the connection but never answers as Timeout', async () => {
    const held: Socket[] = [];
    const silent = createServer((socket) => void held.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as { port: number };
    try {
      const charts = client([], env, 300);
      expect(
        await counted(
          rejects(
            () => charts.resolve({ repoURL: `http://127.0.0.1:${port}`, chart: 'guestbook' }),
            'RepositoryUnreachable',
          ),
        ),
      ).toEqual(calls([`127.0.0.1:${port}`, 'index', 'Timeout']));
    } finally {
      for (const socket of held) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it('count OCI tags, manifest and blob calls by registry host', async () => {
    const host = env.registry.host;
    const charts = client([registryCred(env.registry.auth.password)]);
    const spec = { repoURL: `oci://${host}/charts`, chart: 'podinfo', targetRevision: '1.x' };
    const delta = await fetched(charts, spec);
    expect(delta).toEqual(ociFetch(host));
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
    ).toEqual(calls([host, 'tags', 'AuthFailed']));
    const right = client([registryCred(env.registry.auth.password)]);
    expect(
      await counted(
        rejects(
          () => right.pull({ repoURL: `oci://${host}/charts`, chart: 'podinfo' }, '9.9.9'),
          'ChartNotFound',
        ),
      ),
    ).toEqual(calls([host, 'manifest', 'NotFound']));
  });

  it('label by host only: no path, user or password in any label', async () => {
    const labels = [...(await snapshot()).keys()].join('\n');
    expect(labels).not.toMatch(/charts|podinfo|guestbook|missing|password/);
    expect(labels).not.toContain(env.registry.auth.password);
    expect(labels).not.toContain(env.helmRepo.auth!.password);
  });
});

describe('chart source metrics of a registry that hands out tokens', () => {
  let tokenEnv: TestEnv;
  const tokenClient = (password: string) => client([registryCred(password, tokenEnv)], tokenEnv);

  beforeAll(async () => {
    tokenEnv = await startEnv({ registry: { tokenAuth: true } });
    await tokenEnv.registry.push(
      await writeChart(join(tokenEnv.tmpDir, 'charts', 'oci'), {
        name: 'podinfo',
        version: '1.0.0',
      }),
    );
  }, 1_800_000);
  afterAll(async () => {
    await tokenEnv?.[Symbol.asyncDispose]();
  });

  it('count the token call under the token service host, and the calls it allowed', async () => {
    const host = tokenEnv.registry.host;
    const charts = tokenClient(tokenEnv.registry.auth.password);
    const spec = { repoURL: `oci://${host}/charts`, chart: 'podinfo', targetRevision: '1.x' };
    const delta = await fetched(charts, spec);
    const tokenHost = Object.keys(delta)
      .find((k) => k.endsWith(' token ok'))
      ?.split(' ')[0];
    expect(tokenHost).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(tokenHost).not.toBe(host);
    expect(delta).toEqual({ ...calls([tokenHost!, 'token', 'ok']), ...ociFetch(host) });
  });

  it('count a token refused for wrong credentials as AuthFailed, token and call alike', async () => {
    const host = tokenEnv.registry.host;
    const wrong = tokenClient('not-the-password');
    const delta = await counted(
      rejects(
        () => wrong.resolve({ repoURL: `oci://${host}/charts`, chart: 'podinfo' }),
        'RepositoryAuth',
      ),
    );
    const tokenHost = Object.keys(delta)
      .find((k) => k.endsWith(' token AuthFailed'))
      ?.split(' ')[0];
    expect(delta).toEqual(calls([tokenHost!, 'token', 'AuthFailed'], [host, 'tags', 'AuthFailed']));
  });
});
