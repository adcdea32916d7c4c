// Reading an Application and writing the applier's part of it: status through
// server-side apply as `flotilla-applier`, and clearing `operation` with a
// merge patch guarded by resourceVersion (the applier does not own spec).
import {
  APPLICATION,
  API_VERSION,
  APPLIER_FIELD_MANAGER,
  APPLY_PATCH_CONTENT_TYPE,
  applicationStatusPath,
  applierStatusPatch,
  type Application,
  type ApplierStatus,
} from '@flotilla/api';
import type { AppRef } from '@flotilla/contracts';
import { ApiError, rawRequest, type KubeConfig } from '@flotilla/kube';

/** The URL path of an Application. */
export const appPath = (ref: AppRef) =>
  `/apis/${API_VERSION}/namespaces/${encodeURIComponent(ref.namespace)}/${APPLICATION.plural}/${encodeURIComponent(ref.name)}`;

/** The Application, or undefined when it does not exist. */
export async function readApp(kc: KubeConfig, ref: AppRef): Promise<Application | undefined> {
  try {
    return await rawRequest<Application>(kc, { method: 'GET', path: appPath(ref) });
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return undefined;
    throw err;
  }
}

/** Applies operationState and history (the whole applier view) on the status subresource. */
export async function writeApplierStatus(
  kc: KubeConfig,
  ref: AppRef,
  status: ApplierStatus,
): Promise<void> {
  await rawRequest(kc, {
    method: 'PATCH',
    path: applicationStatusPath(ref.namespace, ref.name),
    query: { fieldManager: APPLIER_FIELD_MANAGER, force: 'true' },
    contentType: APPLY_PATCH_CONTENT_TYPE,
    body: applierStatusPatch({ metadata: ref }, status),
  });
}

/**
 * Removes `operation` when it is still the one that ran. Returns false when
 * the app changed meanwhile (a new operation was written): that one stays.
 */
export async function clearOperation(
  kc: KubeConfig,
  ref: AppRef,
  resourceVersion: string | undefined,
): Promise<boolean> {
  try {
    await rawRequest(kc, {
      method: 'PATCH',
      path: appPath(ref),
      contentType: 'application/merge-patch+json',
      body: { metadata: resourceVersion ? { resourceVersion } : {}, operation: null },
    });
    return true;
  } catch (err) {
    if (err instanceof ApiError && (err.status === 409 || err.status === 404)) return false;
    throw err;
  }
}
