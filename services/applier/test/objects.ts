// Manifests and live objects the applier's integration tests build.
import { trackingId } from '@flotilla/gitops';
import { Discovery, applyObject, type KubeConfig } from '@flotilla/kube';

/** A ConfigMap manifest. */
export const configMap = (name: string, annotations: Record<string, string> = {}) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, annotations },
  data: { a: '1' },
});

/** A Job manifest; `pod` annotations steer how KWOK ends it (`flotilla.dev/test-fail`, `test-duration`). */
export const job = (
  name: string,
  annotations: Record<string, string>,
  pod: Record<string, string> = {},
) => ({
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name, annotations },
  spec: {
    backoffLimit: 0,
    template: {
      metadata: { annotations: pod },
      spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'alpine' }] },
    },
  },
});

/**
 * Creates a ConfigMap in `dest` outside any sync, carrying the tracking id of
 * app `appNs/app` (or none when `app` is undefined).
 */
export async function liveConfigMap(
  kc: KubeConfig,
  dest: string,
  name: string,
  app: { namespace: string; name: string } | undefined,
  annotations: Record<string, string> = {},
): Promise<void> {
  const key = { group: '', kind: 'ConfigMap', namespace: dest, name };
  const tracking: Record<string, string> = app
    ? { 'flotilla.dev/tracking-id': trackingId(app, key) }
    : {};
  await applyObject(
    kc,
    new Discovery(kc),
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name, namespace: dest, annotations: { ...tracking, ...annotations } },
    },
    { fieldManager: 'test' },
  );
}
