// `flotilla app get --refresh`: ask the git-poller to look at Git again now,
// and wait until the status answers that look.
import {
  REFRESH_ANNOTATIONS,
  REFRESHED_REVISIONS_ANNOTATION,
  type Application,
} from '@flotilla/api';
import { ApplicationClient, type KubeConfig } from '@flotilla/kube';
import { getApp } from './apps.js';

/** Conditions that answer a refresh as well as a new comparison does. */
const ERROR_CONDITIONS = new Set(['ComparisonError', 'InvalidSpecError']);

/** Sets the refresh annotation (and forgets the last refresh's answer). */
export async function requestRefresh(
  kc: KubeConfig,
  ns: string,
  name: string,
  kind: 'normal' | 'hard',
): Promise<void> {
  await new ApplicationClient(kc).mergePatch(
    { namespace: ns, name },
    {
      metadata: {
        annotations: { [REFRESH_ANNOTATIONS[0]]: kind, [REFRESHED_REVISIONS_ANNOTATION]: null },
      },
    },
  );
}

/**
 * Whether `app` answers the refresh: the git-poller removed the annotation,
 * and the status compares the commits it resolved (or reports why it could
 * not). With no commits recorded (resolving failed) the removal is the answer.
 */
export function refreshAnswered(app: Application): boolean {
  const annotations = app.metadata?.annotations ?? {};
  if (REFRESH_ANNOTATIONS.some((k) => annotations[k])) return false;
  const resolved = annotations[REFRESHED_REVISIONS_ANNOTATION];
  if (!resolved) return true;
  const sync = app.status?.sync;
  const compared = sync?.revisions?.length ? sync.revisions : sync?.revision ? [sync.revision] : [];
  return (
    compared.join(',') === resolved ||
    (app.status?.conditions ?? []).some((c) => ERROR_CONDITIONS.has(c.type))
  );
}

/**
 * Waits until {@link refreshAnswered}, polling every half second; returns the
 * app then, or after `timeoutMs` with `answered: false`.
 */
export async function waitRefreshed(
  kc: KubeConfig,
  ns: string,
  name: string,
  timeoutMs: number,
): Promise<{ app: Application; answered: boolean }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const app = await getApp(kc, ns, name);
    if (refreshAnswered(app)) return { app, answered: true };
    if (Date.now() > deadline) return { app, answered: false };
    await new Promise((r) => setTimeout(r, 500));
  }
}

/**
 * Refreshes an existing app and returns it once the status answers; after
 * `timeoutSeconds` it warns, sets exit code 1 and returns the app as it is.
 */
export async function refreshApp(
  kc: KubeConfig,
  ns: string,
  name: string,
  kind: 'normal' | 'hard',
  timeoutSeconds: number,
): Promise<Application> {
  await getApp(kc, ns, name);
  await requestRefresh(kc, ns, name, kind);
  const { app, answered } = await waitRefreshed(kc, ns, name, timeoutSeconds * 1000);
  if (!answered) {
    process.stderr.write(
      `warning: the refresh was not answered within ${timeoutSeconds} s (is the git-poller running?)\n`,
    );
    process.exitCode = 1;
  }
  return app;
}
