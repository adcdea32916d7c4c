// End-to-end latencies with all five roles in one process, private NATS and
// Redis, a Git repository over HTTP and the local control plane:
//   - commit → Synced (push webhook), commit → Synced (polling, 5 s interval),
//   - manual edit → healed (self-heal),
//   - commit during a running sync → Synced (the commit lands while a PostSync
//     hook runs; the next sync must start when that operation ends).
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
// KWOK keeps the hook's pod running for `flotilla.dev/test-duration`.
const hook = `apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: smoke\n  annotations: {argocd.argoproj.io/hook: PostSync}\nspec:\n  backoffLimit: 0\n  template:\n    metadata: {annotations: {flotilla.dev/test-duration: 3s}}\n    spec: {restartPolicy: Never, containers: [{name: smoke, image: alpine}]}\n`;
await repo.commit({
  'app/cm.yaml': cm(0),
  'app/deploy.yaml': deploy,
  'busy/cm.yaml': cm(0),
  'busy/hook.yaml': hook,
});

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
const application = async (name: string, path: string, namespace: string) =>
  (await objectApi(kc)).create({
    apiVersion: API_VERSION,
    kind: 'Application',
    metadata: { name, namespace: ns },
    spec: {
      project: 'default',
      source: { repoURL: repoUrl, targetRevision: 'main', path },
      destination: { server: 'https://kubernetes.default.svc', namespace },
      syncPolicy: {
        automated: { prune: true, selfHeal: true },
        syncOptions: ['CreateNamespace=true'],
      },
    },
  } as Application);
await application('bench', 'app', dest);
await application('busy', 'busy', `${dest}-busy`);

const status = async (app = 'bench') =>
  (
    await rawRequest<Application>(kc, {
      method: 'GET',
      path: `/apis/${API_VERSION}/namespaces/${ns}/applications/${app}`,
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
const syncedAt = async (sha: string, app = 'bench') => {
  const s = await status(app);
  return (
    s?.sync?.status === 'Synced' &&
    s.sync.revision === sha &&
    s.operationState?.phase === 'Succeeded'
  );
};
await until(async () => (await liveRound()) === '0');

const push = async (file: string) => {
  const body = JSON.stringify({ repoURL: repoUrl, ref: 'refs/heads/main', changedFiles: [file] });
  await fetch(`http://127.0.0.1:${webhookPort}/api/webhook`, {
    method: 'POST',
    headers: {
      'x-flotilla-signature-256': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`,
    },
    body,
  });
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const webhook: number[] = [];
const polling: number[] = [];
const healed: number[] = [];
const during: number[] = [];
const pickup: number[] = [];
let n = 0;
for (let i = 0; i < rounds; i++) {
  let sha = await repo.commit({ 'app/cm.yaml': cm(++n) });
  let t = performance.now();
  await push('app/cm.yaml');
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

  // A commit while the busy app's PostSync hook runs, then the operation's end → next sync start.
  const running = await repo.commit({ 'busy/cm.yaml': cm(++n) });
  await push('busy/cm.yaml');
  await until(async () => {
    const s = await status('busy');
    return (
      s?.operationState?.phase === 'Running' &&
      s.operationState.syncResult?.revision === running &&
      (s.operationState.syncResult.resources ?? []).some(
        (r) => r.hookType === 'PostSync' && r.hookPhase === 'Running',
      )
    );
  });
  sha = await repo.commit({ 'busy/cm.yaml': cm(++n) });
  t = performance.now();
  await push('busy/cm.yaml');
  await until(() => syncedAt(sha, 'busy'));
  during.push(performance.now() - t);
  const history = (await status('busy'))?.history ?? [];
  const [ended, next] = history.slice(-2);
  if (ended?.revision === running && next?.revision === sha && next.deployStartedAt) {
    pickup.push(Date.parse(next.deployStartedAt) - Date.parse(ended.deployedAt));
  }
}
const fmt = (xs: number[]) =>
  `median ${(median(xs) / 1000).toFixed(2)} s, max ${(Math.max(...xs) / 1000).toFixed(2)} s`;
console.log(`${rounds} rounds`);
console.log(`commit → Synced, push webhook:        ${fmt(webhook)}`);
console.log(`commit → Synced, polling (5 s interval): ${fmt(polling)}`);
console.log(`manual edit → healed (self-heal):      ${fmt(healed)}`);
console.log(`commit during a running sync → Synced:  ${fmt(during)}`);
console.log(`  of which: operation end → next sync:  ${fmt(pickup)}`);

for (const r of roles.reverse()) await r.stop();
for (const d of [dest, `${dest}-busy`]) {
  await rawRequest(kc, { method: 'DELETE', path: `/api/v1/namespaces/${d}` }).catch(
    () => undefined,
  );
}
await rawRequest(kc, { method: 'DELETE', path: `/api/v1/namespaces/${ns}` }).catch(() => undefined);
