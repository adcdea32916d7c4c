// Reading an Application and writing the applier's part of it: status through
// server-side apply as `flotilla-applier`.
import {
  APPLIER_FIELD_MANAGER,
  applierStatusPatch,
  type Application,
  type ApplierStatus,
} from '@flotilla/api';
import type { ComparedStatus } from '@flotilla/gitops';
import type { AppRef } from '@flotilla/contracts';
import { ApplicationClient, type KubeConfig } from '@flotilla/kube';

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
 * An operation's end together with what the next comparison will find (the
 * differ's sync, health and resources, predicted): one write instead of the
 * end's and the comparison's. Each field is replaced whole, so what the
 * differ writes later replaces it in turn; returns the Application as stored.
 */
export function writeApplierEnd(
  kc: KubeConfig,
  ref: AppRef,
  status: ApplierStatus,
  compared: ComparedStatus & { reconciledAt: string },
  hasStatus: boolean,
): Promise<Application> {
  return new ApplicationClient(kc).replaceStatusFields(
    ref,
    { ...status, ...compared },
    APPLIER_FIELD_MANAGER,
    hasStatus,
  );
}
