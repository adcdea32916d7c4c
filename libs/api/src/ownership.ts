import { StatusPatchError } from './errors.js';
import { API_VERSION, APPLICATION } from './group.js';
import { applicationStatusPath } from './paths.js';
import type { ApplicationStatus } from './schema/application-status.js';

// Application.status has two writers. Each applies only its own fields with
// server-side apply on the status subresource, so neither clobbers the other,
// and `metadata.managedFields` shows who wrote what. Every list in status is
// atomic, so one manager owns each whole list.

/** The status fields the differ owns. */
export const DIFFER_STATUS_FIELDS = [
  'sync',
  'health',
  'resources',
  'conditions',
  'reconciledAt',
  'observedAt',
  'summary',
  'sourceType',
  'sourceTypes',
] as const satisfies readonly (keyof ApplicationStatus)[];

/** The status fields the applier owns. */
export const APPLIER_STATUS_FIELDS = [
  'operationState',
  'history',
] as const satisfies readonly (keyof ApplicationStatus)[];

/** The part of status the differ writes. */
export type DifferStatus = Pick<ApplicationStatus, (typeof DIFFER_STATUS_FIELDS)[number]>;

/** The part of status the applier writes. */
export type ApplierStatus = Pick<ApplicationStatus, (typeof APPLIER_STATUS_FIELDS)[number]>;

/** Which Application a status patch is for. */
export interface ApplicationRef {
  readonly metadata: { readonly name?: string; readonly namespace?: string };
}

/** A server-side apply body for Application status. */
export interface StatusApplyPatch<S> {
  readonly apiVersion: typeof API_VERSION;
  readonly kind: typeof APPLICATION.kind;
  readonly metadata: { readonly name: string; readonly namespace: string };
  readonly status: S;
}

function identity(app: ApplicationRef): { name: string; namespace: string } {
  const { name, namespace } = app.metadata;
  if (!name || !namespace)
    throw new StatusPatchError('a status patch needs the Application’s name and namespace');
  return { name, namespace };
}

function pick<S>(fields: Readonly<Record<string, unknown>>, keys: readonly string[]): S {
  const out: Record<string, unknown> = {};
  for (const k of keys) if (fields[k] !== undefined) out[k] = fields[k];
  return out as S;
}

/**
 * The apply body the differ sends. It carries only the differ's fields: a
 * field it leaves out is removed (server-side apply drops fields a manager
 * stops applying), so pass the differ's whole view every time.
 */
export function differStatusPatch(
  app: ApplicationRef,
  fields: DifferStatus,
): StatusApplyPatch<DifferStatus> {
  return {
    apiVersion: API_VERSION,
    kind: APPLICATION.kind,
    metadata: identity(app),
    status: pick<DifferStatus>(fields, DIFFER_STATUS_FIELDS),
  };
}

/**
 * The apply body the applier sends: only operationState and history. As with
 * {@link differStatusPatch}, a field left out is removed.
 */
export function applierStatusPatch(
  app: ApplicationRef,
  fields: ApplierStatus,
): StatusApplyPatch<ApplierStatus> {
  return {
    apiVersion: API_VERSION,
    kind: APPLICATION.kind,
    metadata: identity(app),
    status: pick<ApplierStatus>(fields, APPLIER_STATUS_FIELDS),
  };
}

/** Content type of a server-side apply request. */
export const APPLY_PATCH_CONTENT_TYPE = 'application/apply-patch+yaml';

/** Everything an HTTP client needs to send a status apply. */
export interface StatusApplyRequest {
  readonly method: 'PATCH';
  readonly path: string;
  readonly query: { readonly fieldManager: string; readonly force: 'true' };
  readonly contentType: typeof APPLY_PATCH_CONTENT_TYPE;
  readonly body: StatusApplyPatch<unknown>;
}

/**
 * The request that applies `patch` as `fieldManager`. It forces: each
 * controller is the authority over its own fields, and the builders above
 * keep the two sets apart, so a conflict can only come from a person editing
 * status by hand.
 */
export function statusApplyRequest(
  patch: StatusApplyPatch<unknown>,
  fieldManager: string,
): StatusApplyRequest {
  return {
    method: 'PATCH',
    path: applicationStatusPath(patch.metadata.namespace, patch.metadata.name),
    query: { fieldManager, force: 'true' },
    contentType: APPLY_PATCH_CONTENT_TYPE,
    body: patch,
  };
}
