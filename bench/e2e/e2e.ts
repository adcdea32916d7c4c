// End-to-end latencies with all five roles in one process, private NATS and
// Redis, a Git repository over HTTP and the local control plane:
//   - commit → Synced (push webhook), commit → Synced (polling, 5 s interval),
//   - manual edit → healed (self-heal).
// Needs the local control plane: `npx flotilla dev cluster up`.
//   npx tsx bench/e2e/e2e.ts [rounds=5]
import { createHmac } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { API_VERSION, type Application } from '@flotilla/api';
import { installCrds, loadKubeConfig, objectApi, rawRequest } from '@flotilla/kube';
import {
  compileRuntimeConfig,
  createLogger,
  freePort,
  userCacheDir,
  type RoleHandle,
} from '@flotilla/runtime';
import {
  createGitFixtureRepo,
  startGitHttpServer,
  startNatsServer,
  startRedisServer,
} from '@flotilla/testing';
import { gitPollerRole } from '@flotilla/git-poller';
import { rendererRole } from '@flotilla/renderer';
import { differRole } from '@flotilla/differ';
import { applierRole } from '@flotilla/applier';
import { hookRunnerRole } from '@flotilla/hook-runner';

const rounds = Number(process.argv[2] ?? 5);
const kubeconfig =
  process.env['KUBECONFIG'] ?? resolve(import.meta.dirname, '..', '..', '.flotilla', 'kubeconfig');
const kc = loadKubeConfig(kubeconfig);
const stamp = Date.now().toString(36);
const ns = `bench-e2e-${stamp}`;
const dest = `bench-e2e-dest-${stamp}`;
await rawRequest(kc, {
  method: 'POST',
  path: '/api/v1/namespaces',
  body: { metadata: { name: ns } },
});
await installCrds(kc);

const tmp = await mkdtemp(join(tmpdir(), 'bench-e2e-'));
await using nats = await startNatsServer();
await using redis = await startRedisServer();
await using git = await startGitHttpServer(join(tmp, 'git', 'repos'));
const repo = await createGitFixtureRepo(join(tmp, 'git'), 'apps');
const repoUrl = `${git.baseUrl}/apps.git`;
const cm = (n: number) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bench\ndata:\n  round: "${n}"\n`;
const deploy = `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 1\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec: {containers: [{name: web, image: nginx}]}\n`;
await repo.commit({ 'app/cm.yaml': cm(0), 'app/deploy.yaml': deploy });

const webhookPort = await freePort();
const secret = 'bench-secret';
const config = compileRuntimeConfig(
  {},
  {
    natsUrl: nats.url,
    redisUrl: redis.url,
    kubeconfig,
    namespace: ns,
    logLevel: 'error',
    cacheDir: userCacheDir(process.env),
  },
);
const roleEnv = {
  FLOTILLA_WEBHOOK_ADDR: `127.0.0.1:${webhookPort}`,
  FLOTILLA_WEBHOOK_GENERIC_SECRET: secret,
  FLOTILLA_POLL_INTERVAL_SECONDS: '5',
  FLOTILLA_POLL_JITTER_SECONDS: '0',
  FLOTILLA_REPO_CACHE_DIR: join(tmp, 'repos'),
  FLOTILLA_RENDER_WORK_DIR: join(tmp, 'work'),
  FLOTILLA_OPS_ADDR: '127.0.0.1:0',
};
const roles: RoleHandle[] = [];
for (const role of [hookRunnerRole, applierRole, differRole, rendererRole, gitPollerRole]) {
  roles.push(
    await role.start({
      logger: createLogger({ name: role.name, level: 'error' }),
      signal: new AbortController().signal,
      config,
      env: roleEnv,
    }),
  );
}
await objectApi(kc).create({
  apiVersion: API_VERSION,
  kind: 'Application',
  metadata: { name: 'bench', namespace: ns },
  spec: {
    project: 'default',
    source: { repoURL: repoUrl, targetRevision: 'main', path: 'app' },
    destination: { server: 'https://kubernetes.default.svc', namespace: dest },
    syncPolicy: {
      automated: { prune: true, selfHeal: true },
      syncOptions: ['CreateNamespace=true'],
    },
  },
} as Application);

const status = async () =>
  (
    await rawRequest<Application>(kc, {
      method: 'GET',
      path: `/apis/${API_VERSION}/namespaces/${ns}/applications/bench`,
    })
  ).status;
const until = async (check: () => Promise<boolean>, timeoutMs = 120_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
};
const liveRound = async () =>
  (
    await rawRequest<{ data: { round: string } }>(kc, {
      method: 'GET',
      path: `/api/v1/namespaces/${dest}/configmaps/bench`,
    }).catch(() => undefined)
  )?.data.round;
const syncedAt = async (sha: string) => {
  const s = await status();
  return (
    s?.sync?.status === 'Synced' &&
    s.sync.revision === sha &&
    s.operationState?.phase === 'Succeeded'
  );
};
await until(async () => (await liveRound()) === '0');

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const webhook: number[] = [];
const polling: number[] = [];
const healed: number[] = [];
let n = 0;
for (let i = 0; i < rounds; i++) {
  let sha = await repo.commit({ 'app/cm.yaml': cm(++n) });
  let t = performance.now();
  const body = JSON.stringify({
    repoURL: repoUrl,
    ref: 'refs/heads/main',
    changedFiles: ['app/cm.yaml'],
  });
  await fetch(`http://127.0.0.1:${webhookPort}/api/webhook`, {
    method: 'POST',
    headers: {
      'x-flotilla-signature-256': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`,
    },
    body,
  });
  await until(() => syncedAt(sha));
  webhook.push(performance.now() - t);

  sha = await repo.commit({ 'app/cm.yaml': cm(++n) });
  t = performance.now();
  await until(() => syncedAt(sha));
  polling.push(performance.now() - t);

  t = performance.now();
  await rawRequest(kc, {
    method: 'PATCH',
    path: `/apis/apps/v1/namespaces/${dest}/deployments/web`,
    contentType: 'application/merge-patch+json',
    body: { spec: { replicas: 3 } },
  });
  await until(
    async () =>
      (
        await rawRequest<{ spec: { replicas: number } }>(kc, {
          method: 'GET',
          path: `/apis/apps/v1/namespaces/${dest}/deployments/web`,
        })
      ).spec.replicas === 1,
  );
  healed.push(performance.now() - t);
}
const fmt = (xs: number[]) =>
  `median ${(median(xs) / 1000).toFixed(2)} s, max ${(Math.max(...xs) / 1000).toFixed(2)} s`;
console.log(`${rounds} rounds`);
console.log(`commit → Synced, push webhook:        ${fmt(webhook)}`);
console.log(`commit → Synced, polling (5 s interval): ${fmt(polling)}`);
console.log(`manual edit → healed (self-heal):      ${fmt(healed)}`);

for (const r of roles.reverse()) await r.stop();
await rawRequest(kc, { method: 'DELETE', path: `/api/v1/namespaces/${dest}` }).catch(
  () => undefined,
);
await rawRequest(kc, { method: 'DELETE', path: `/api/v1/namespaces/${ns}` }).catch(() => undefined);
