// Reading an Application and writing the applier's part of it: status through
// server-side apply as `flotilla-applier`, and clearing `operation` with a
// merge patch guarded by resourceVersion (the applier does not own spec).
import {
  APPLIER_FIELD_MANAGER,
  applierStatusPatch,
  type Application,
  type ApplierStatus,
} from '@flotilla/api';
import type { AppRef } from '@flotilla/contracts';
import { ApiError, ApplicationClient, type KubeConfig } from '@flotilla/kube';

/** The Application, or undefined when it does not exist. */
export function readApp(kc: KubeConfig, ref: AppRef): Promise<Application | undefined> {
  return new ApplicationClient(kc).get(ref);
}

/**
 * Applies operationState and history (the whole applier view) on the status
 * subresource; returns the Application as stored.
 */
export function writeApplierStatus(
  kc: KubeConfig,
  ref: AppRef,
  status: ApplierStatus,
): Promise<Application> {
  return new ApplicationClient(kc).applyStatus(
    applierStatusPatch({ metadata: ref }, status),
    APPLIER_FIELD_MANAGER,
  );
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
    await new ApplicationClient(kc).patchOperation(ref, null, resourceVersion);
    return true;
  } catch (err) {
    if (err instanceof ApiError && (err.status === 409 || err.status === 404)) return false;
    throw err;
  }
}
