// Repository Secrets are watched, not read on a timer: an app whose Git
// repository or Helm chart repository demands credentials fails clearly, then
// renders once its Secret is created, and follows a rotated password, all
// without a restart. Polling is hourly, so only the watch can explain it.
// No password reaches a log line, a render error, an event or a condition.
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NatsConnection } from '@nats-io/transport-node';
import { API_VERSION, type Application, type ApplicationSource } from '@flotilla/api';
import { connectBus, createPublisher } from '@flotilla/bus';
import { Streams } from '@flotilla/contracts';
import { installCrds, rawRequest } from '@flotilla/kube';
import { createLogger, type RoleHandle } from '@flotilla/runtime';
import {
  roleConfig,
  startEnv,
  streamMessages,
  waitFor,
  writeChart,
  type TestEnv,
} from '@flotilla/testing';
import { differRole } from '@flotilla/differ';
import { gitPollerRole } from '@flotilla/git-poller';
import { rendererRole } from '@flotilla/renderer';
import { testRoleEnv } from './support/roles.js';

const configMap = (value: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: web}\ndata: {value: "${value}"}\n`;

describe('repository credentials from watched Secrets', () => {
  const gitAuth = { username: 'reader', password: 'git-pass-0a1b2c' };
  const rotated = { username: 'reader', password: 'git-pass-rotated-3d4e5f' };
  let env: TestEnv;
  let ns: string;
  let repo: Awaited<ReturnType<TestEnv['git']['repo']>>;
  let nc: NatsConnection;
  const handles: RoleHandle[] = [];
  const logs: string[] = [];
  const secrets = () => [gitAuth.password, rotated.password, env.helmRepo.auth!.password];
  const ref = (name: string) => ({ namespace: ns, name });

  const createApp = (name: string, source: ApplicationSource) =>
    env.kube.objects.create({
      apiVersion: API_VERSION,
      kind: 'Application',
      metadata: { name, namespace: ns },
      spec: {
        project: 'default',
        source,
        destination: { server: 'https://kubernetes.default.svc', namespace: 'default' },
      },
    } as Application);
  const secretPath = `/api/v1/namespaces/{ns}/secrets`;
  const createSecret = (name: string, data: Record<string, string>) =>
    rawRequest(env.kube.kc, {
      method: 'POST',
      path: secretPath.replace('{ns}', ns),
      body: {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name, labels: { 'argocd.argoproj.io/secret-type': 'repository' } },
        stringData: data,
      },
    });
  // The app's last render, as the renderer announced it (render.completed or render.failed).
  const lastRender = async (name: string) => {
    const all = await streamMessages(nc, Streams.Events, `flotilla.events.${ns}.${name}.render.>`);
    const last = all.at(-1);
    if (!last) return undefined;
    return {
      ok: String(last['type']) === 'dev.flotilla.render.completed.v1',
      data: last['data'] as { message?: string; revisions?: string[]; resourceCount?: number },
      count: all.length,
    };
  };
  const errorOf = async (name: string) => {
    const r = await lastRender(name);
    return r && !r.ok ? r.data.message : undefined;
  };
  const until = (what: string, check: () => Promise<boolean>) =>
    waitFor(what, check, { timeoutMs: 90_000, intervalMs: 200 });

  beforeAll(async () => {
    env = await startEnv({
      nats: true,
      redis: true,
      kube: true,
      git: { auth: gitAuth },
      helmRepo: true,
    });
    await installCrds(env.kube.kc);
    ns = await env.kube.namespace('creds');
    repo = await env.git.repo('private');
    await repo.commit({ 'web/cm.yaml': configMap('1') });
    await env.helmRepo.publish(
      await writeChart(join(env.tmpDir, 'chart'), { name: 'web', version: '1.0.0' }),
    );
    // The chart repository's CA, as a user trusts it (argocd-tls-certs-cm's format).
    await env.kube.core.createNamespacedConfigMap({
      namespace: ns,
      body: {
        metadata: { name: 'flotilla-tls-certs-cm' },
        data: { [new URL(env.helmRepo.url).hostname]: env.ca.caPem },
      },
    });
    nc = await connectBus({ servers: env.nats.url, name: 'test' });
    const sink = new PassThrough();
    sink.on('data', (chunk: Buffer) => logs.push(chunk.toString('utf8')));
    for (const role of [differRole, rendererRole, gitPollerRole])
      handles.push(
        await role.start({
          logger: createLogger({ name: role.name, level: 'debug', destination: sink }),
          signal: new AbortController().signal,
          config: roleConfig(env, ns),
          env: { ...testRoleEnv(env), FLOTILLA_POLL_INTERVAL_SECONDS: '3600' },
        }),
      );
    await createApp('git-app', { repoURL: repo.url, targetRevision: 'main', path: 'web' });
    await createApp('chart-app', {
      repoURL: env.helmRepo.url,
      chart: 'web',
      targetRevision: '1.0.0',
    });
  }, 300_000);
  afterAll(async () => {
    for (const h of handles.reverse()) await h.stop().catch(() => undefined);
    await nc?.close();
    await env?.[Symbol.asyncDispose]();
  });

  it('fails clearly while no Secret names the repositories', async () => {
    // The git-poller's first look renders both apps; the chart app's render is also
    // asked for here, which a repeat makes harmless.
    await createPublisher(nc).command({
      version: 1,
      kind: 'render',
      app: ref('chart-app'),
      reason: 'test: first render',
    });
    await until('both renders to fail', async () =>
      (await Promise.all(['git-app', 'chart-app'].map(errorOf))).every(Boolean),
    );
    for (const name of ['git-app', 'chart-app'])
      expect(await errorOf(name)).toContain(
        'credentials are required and no repository Secret matches this URL',
      );
    // The differ shows the failure on the Application.
    await until('a ComparisonError condition', async () =>
      JSON.stringify(await app('git-app')).includes('ComparisonError'),
    );
  });

  it('renders both once their Secrets exist, with no restart and no timer', async () => {
    await createSecret('git', { type: 'git', url: repo.url, ...gitAuth });
    await createSecret('charts', { type: 'helm', url: env.helmRepo.url, ...env.helmRepo.auth! });
    const head = await repo.revParse('main');
    await until('both apps rendered', async () => {
      const [git, chart] = await Promise.all([lastRender('git-app'), lastRender('chart-app')]);
      return !!git?.ok && git.data.revisions?.[0] === head && !!chart?.ok;
    });
    expect((await lastRender('chart-app'))?.data).toMatchObject({
      revisions: ['1.0.0'],
      resourceCount: 1,
    });
  });

  it('follows a rotated password: refused until the Secret has it, then rendered', async () => {
    const before = (await lastRender('git-app'))?.count ?? 0;
    env.git.server.setAuth(rotated);
    const pushed = await repo.commit({ 'web/cm.yaml': configMap('2') });
    await createPublisher(nc).command({
      version: 1,
      kind: 'render',
      app: ref('git-app'),
      reason: 'test: render after the server rotated its password',
    });
    await until('the render with the old password to fail', async () => {
      const r = await lastRender('git-app');
      return !!r && r.count > before && !r.ok;
    });
    expect(await errorOf('git-app')).toContain(
      'the credentials of the matching repository Secret were refused',
    );

    await rawRequest(env.kube.kc, {
      method: 'PATCH',
      path: `${secretPath.replace('{ns}', ns)}/git`,
      contentType: 'application/merge-patch+json',
      body: { stringData: { password: rotated.password } },
    });
    await until('the new commit rendered with the rotated password', async () => {
      const r = await lastRender('git-app');
      return !!r?.ok && r.data.revisions?.[0] === pushed;
    });
  });

  it('never writes a password to a log line, a render error, an event or the Application', async () => {
    const events = await streamMessages(nc, Streams.Events, `flotilla.events.${ns}.>`);
    const failures = events.filter((e) => String(e['type']).includes('render.failed'));
    expect(failures.length).toBeGreaterThan(0);
    const seen = [
      logs.join(''),
      JSON.stringify(events),
      JSON.stringify(await app('git-app')),
      JSON.stringify(await app('chart-app')),
    ].join('\n');
    expect(logs.length).toBeGreaterThan(0);
    for (const s of secrets()) expect(seen).not.toContain(s);
  });

  const app = (name: string) =>
    rawRequest<Application>(env.kube.kc, {
      method: 'GET',
      path: `/apis/${API_VERSION}/namespaces/${ns}/applications/${name}`,
    });
});
