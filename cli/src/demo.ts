import { access, cp, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { Application } from '@flotilla/api';
import { ApiError, ApplicationClient, type KubeConfig } from '@flotilla/kube';
import { run } from '@flotilla/runtime';

const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Flotilla demo',
  GIT_AUTHOR_EMAIL: 'demo@flotilla.invalid',
  GIT_COMMITTER_NAME: 'Flotilla demo',
  GIT_COMMITTER_EMAIL: 'demo@flotilla.invalid',
};

/** Where the demo lives: a bare repository and a work clone to edit and push from. */
export function demoPaths(root: string) {
  const dir = join(root, '.flotilla', 'demo');
  return { dir, bare: join(dir, 'demo.git'), work: join(dir, 'work') };
}

const exists = (p: string) =>
  access(p).then(
    () => true,
    () => false,
  );

/**
 * Creates the local demo repository from `examples/demo` once (later runs keep
 * the user's commits) and returns its `file://` URL.
 */
export async function ensureDemoRepo(root: string): Promise<string> {
  const p = demoPaths(root);
  if (!(await exists(p.bare))) {
    await mkdir(p.dir, { recursive: true });
    await run('git', ['init', '--quiet', '--bare', '--initial-branch=main', p.bare]);
    await run('git', ['clone', '--quiet', p.bare, p.work], { env: GIT_ENV });
    await cp(join(root, 'examples', 'demo'), join(p.work, 'demo'), { recursive: true });
    await run('git', ['add', '-A'], { cwd: p.work, env: GIT_ENV });
    await run('git', ['commit', '--quiet', '-m', 'demo app'], { cwd: p.work, env: GIT_ENV });
    await run('git', ['push', '--quiet', 'origin', 'HEAD:main'], { cwd: p.work, env: GIT_ENV });
  }
  return `file://${p.bare}`;
}

/** Creates the demo Application unless it exists (a user's changes to it are kept). */
export async function ensureDemoApplication(
  kc: KubeConfig,
  root: string,
  namespace: string,
  repoURL: string,
): Promise<void> {
  const app = parse(
    await readFile(join(root, 'examples', 'demo-application.yaml'), 'utf8'),
  ) as Application;
  app.metadata = { ...app.metadata, namespace };
  if (app.spec?.source) app.spec.source.repoURL = repoURL;
  try {
    await new ApplicationClient(kc).create(namespace, app);
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 409)) throw err;
  }
}

/**
 * Prints the demo app's progress as it changes (sync, health, operation phase
 * and message: which wave or hook it waits on) until the signal aborts. Calls
 * `onHealthy` once, the first time the app is Synced and Healthy with no
 * operation running; later changes (a push, a self-heal) keep being printed.
 */
export async function followApp(
  kc: KubeConfig,
  namespace: string,
  name: string,
  print: (line: string) => void,
  signal: AbortSignal,
  onHealthy: () => void = () => undefined,
): Promise<void> {
  let last = '';
  let healthy = false;
  while (!signal.aborted) {
    const app = await new ApplicationClient(kc).get({ namespace, name }).catch(() => undefined);
    const s = app?.status;
    const op = s?.operationState;
    const running = op?.phase === 'Running';
    const line = [
      `sync ${s?.sync?.status ?? '…'}`,
      `health ${s?.health?.status ?? '…'}`,
      // Once the first sync is over, a finished operation is history: show only new ones.
      ...(op && (running || !healthy)
        ? [`operation ${op.phase}${op.message ? `: ${op.message}` : ''}`]
        : []),
      ...(s?.conditions?.length
        ? [`${s.conditions.map((c) => `${c.type}: ${c.message}`).join('; ')}`]
        : []),
    ].join(' | ');
    if (line !== last) {
      print(line);
      last = line;
    }
    if (!healthy && s?.sync?.status === 'Synced' && s.health?.status === 'Healthy' && !running) {
      healthy = true;
      onHealthy();
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

/**
 * What `npm start` suggests once the demo is healthy, in the shortest form
 * that works from another shell of the checkout: the CLI finds
 * .flotilla/kubeconfig (or the same KUBECONFIG) and the provisioned kubectl
 * itself, and `app diff` renders from Git without Redis. `natsUrl` is given
 * only when NATS is not at its default address.
 */
export function demoHints(work: string, natsUrl?: string): string {
  return [
    'the demo app is Synced and Healthy; it keeps being reconciled (Ctrl-C stops). Try next:',
    `  - edit ${work}/demo/values.yaml (say replicas.frontend: 3), then: git -C ${work} commit -am "scale" && git -C ${work} push`,
    '  - npx flotilla app get demo --refresh   (shows the push at once)',
    '  - npx flotilla kubectl -n demo scale deployment demo-frontend --replicas=5   (self-heal reverts it)',
    '  - npx flotilla app diff demo',
    `  - npx flotilla events tail --app demo${natsUrl ? ` --nats-url ${natsUrl}` : ''}`,
  ].join('\n');
}
