import { applicationPath, type Application, type Operation } from '@flotilla/api';
import { ApplicationClient, rawRequest, type KubeConfig } from '@flotilla/kube';
import { waitFor } from '@flotilla/runtime';

/**
 * Writes `operation` on an Application (as `argocd app sync` or a rollback
 * does) and waits until it ended: the operation field cleared and a new
 * operationState that is no longer Running. Returns the Application then.
 */
export async function runOperation(
  kc: KubeConfig,
  namespace: string,
  name: string,
  operation: Operation,
  timeoutMs = 120_000,
): Promise<Application> {
  const apps = new ApplicationClient(kc);
  const read = async () => (await apps.get({ namespace, name }))!;
  const before = (await read()).status?.operationState?.startedAt;
  await rawRequest(kc, {
    method: 'PATCH',
    path: applicationPath(namespace, name),
    contentType: 'application/merge-patch+json',
    body: { operation },
  });
  await waitFor(
    'operation to end',
    async () => {
      const a = await read();
      const s = a.status?.operationState;
      return (
        a.operation === undefined &&
        s !== undefined &&
        s.startedAt !== before &&
        s.phase !== 'Running'
      );
    },
    { timeoutMs, intervalMs: 250 },
  );
  return read();
}
