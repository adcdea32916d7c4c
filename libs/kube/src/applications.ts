// One client for Application resources, so every service and the CLI address
// them the same way: URL-encoded names, raw JSON (the typed client drops
// fields it does not model), and the merge patches the two status owners use.
import {
  APPLICATION,
  GROUP,
  allApplicationsPath,
  VERSION,
  applicationPath,
  applicationStatusPath,
  statusApplyRequest,
  type Application,
  type Operation,
  type StatusApplyPatch,
} from '@flotilla/api';
import type { AppRef } from '@flotilla/contracts';
import {
  appNamespaceFilter,
  servesOtherNamespaces,
  type AppNamespaceScope,
} from '@flotilla/gitops';
import type { Informer, ObjectCache } from '@kubernetes/client-node';
import type { KubeAccess } from './kubeconfig.js';
import { customResourceInformer, namespaceFilteredInformer } from './informer.js';
import { ApiError, rawRequest } from './raw.js';

const MERGE_PATCH = 'application/merge-patch+json';
const JSON_PATCH = 'application/json-patch+json';

/** Reads and writes Applications through the apiserver of a kubeconfig. */
export class ApplicationClient {
  constructor(private readonly kc: KubeAccess) {}

  /** The Application, or undefined when it does not exist. */
  async get(ref: AppRef): Promise<Application | undefined> {
    try {
      return await rawRequest<Application>(this.kc, {
        method: 'GET',
        path: applicationPath(ref.namespace, ref.name),
      });
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) return undefined;
      throw err;
    }
  }

  /**
   * Removes `operation` only while it is still `expected` (a JSON patch whose
   * `test` guards the removal), so status writes made meanwhile by others do
   * not make it fail, and an operation written meanwhile is never removed.
   * Returns the Application as stored, or undefined when the operation was
   * another one, already gone, or the app is gone.
   */
  async clearOperationIf(ref: AppRef, expected: Operation): Promise<Application | undefined> {
    try {
      return await rawRequest<Application>(this.kc, {
        method: 'PATCH',
        path: applicationPath(ref.namespace, ref.name),
        contentType: JSON_PATCH,
        body: [
          { op: 'test', path: '/operation', value: expected },
          { op: 'remove', path: '/operation' },
        ],
      });
    } catch (err) {
      // A failed test (another operation, or none) is refused as invalid.
      if (err instanceof ApiError && [404, 409, 422].includes(err.status)) return undefined;
      throw err;
    }
  }

  /** Every Application of `namespace`. */
  async list(namespace: string): Promise<Application[]> {
    const list = await rawRequest<{ items?: Application[] }>(this.kc, {
      method: 'GET',
      path: applicationPath(namespace),
    });
    return list.items ?? [];
  }

  /** Every Application of every namespace (needs the right to list them cluster-wide). */
  async listAllNamespaces(): Promise<Application[]> {
    const list = await rawRequest<{ items?: Application[] }>(this.kc, {
      method: 'GET',
      path: allApplicationsPath(),
    });
    return list.items ?? [];
  }

  /** Creates `app` in `namespace`; an existing one is an {@link ApiError} with status 409. */
  create(namespace: string, app: Application): Promise<Application> {
    return rawRequest<Application>(this.kc, {
      method: 'POST',
      path: applicationPath(namespace),
      body: app,
    });
  }

  /** Deletes the Application (its finalizers still run). */
  async delete(ref: AppRef): Promise<void> {
    await rawRequest(this.kc, { method: 'DELETE', path: applicationPath(ref.namespace, ref.name) });
  }

  /**
   * Server-side applies one owner's part of status (built with
   * `differStatusPatch` or `applierStatusPatch`) as `fieldManager`, forced;
   * returns the Application as stored.
   */
  applyStatus(patch: StatusApplyPatch<unknown>, fieldManager: string): Promise<Application> {
    return rawRequest<Application>(this.kc, statusApplyRequest(patch, fieldManager));
  }

  /**
   * Writes whole status fields as `fieldManager` in one request: each field
   * replaced as a unit (a JSON patch `add` per field), whoever wrote it before,
   * while other fields stay as they are. An app with no status yet (`hasStatus`
   * false) gets them by a merge patch, as a JSON patch cannot add below a
   * missing `status`. Undefined fields are left alone. Returns the Application
   * as stored.
   */
  replaceStatusFields(
    ref: AppRef,
    fields: Readonly<Record<string, unknown>>,
    fieldManager: string,
    hasStatus: boolean,
  ): Promise<Application> {
    const set = Object.entries(fields).filter(([, v]) => v !== undefined);
    return rawRequest<Application>(this.kc, {
      method: 'PATCH',
      path: applicationStatusPath(ref.namespace, ref.name),
      query: { fieldManager },
      ...(hasStatus
        ? {
            contentType: JSON_PATCH,
            body: set.map(([k, value]) => ({ op: 'add', path: `/status/${k}`, value })),
          }
        : { contentType: MERGE_PATCH, body: { status: Object.fromEntries(set) } }),
    });
  }

  /**
   * A JSON merge patch of the Application. Put `metadata.resourceVersion` in
   * `patch` to make it conditional: a changed app is then a 409 {@link ApiError}.
   */
  mergePatch(ref: AppRef, patch: Readonly<Record<string, unknown>>): Promise<Application> {
    return rawRequest<Application>(this.kc, {
      method: 'PATCH',
      path: applicationPath(ref.namespace, ref.name),
      contentType: MERGE_PATCH,
      body: patch,
    });
  }

  /**
   * Writes `operation` (null removes it). With `resourceVersion` the write
   * happens only if the app is unchanged since it was read, so an operation
   * written meanwhile by someone else is never overwritten (409 otherwise).
   */
  patchOperation(
    ref: AppRef,
    operation: Operation | null,
    resourceVersion?: string,
  ): Promise<Application> {
    return this.mergePatch(ref, {
      ...(resourceVersion ? { metadata: { resourceVersion } } : {}),
      operation,
    });
  }

  /**
   * Asks for the running operation to stop: withdraws `operation` when it is
   * set and marks a Running `status.operationState` Terminating (as Argo CD
   * does), which also stops an automated operation that its command carries.
   * The applier then ends it Failed. Returns whether anything was running.
   */
  async terminate(ref: AppRef): Promise<boolean> {
    const app = await this.get(ref);
    if (!app) throw new ApiError(404, `application ${ref.namespace}/${ref.name} not found`);
    if (app.operation) await this.patchOperation(ref, null);
    const state = app.status?.operationState;
    if (state?.phase !== 'Running') return app.operation !== undefined;
    try {
      await rawRequest(this.kc, {
        method: 'PATCH',
        path: applicationStatusPath(ref.namespace, ref.name),
        contentType: JSON_PATCH,
        // Only while the same attempt still runs: one ended meanwhile keeps its end.
        body: [
          { op: 'test', path: '/status/operationState/startedAt', value: state.startedAt },
          { op: 'test', path: '/status/operationState/phase', value: 'Running' },
          { op: 'replace', path: '/status/operationState/phase', value: 'Terminating' },
        ],
      });
    } catch (err) {
      if (!(err instanceof ApiError && [404, 409, 422].includes(err.status))) throw err;
    }
    return true;
  }

  /**
   * A list-then-watch cache of the Applications a role serves; call `start()`.
   * A namespace, or a scope without other namespaces, is watched in that
   * namespace alone; a scope with other namespaces is watched cluster-wide
   * and shows only the apps of the namespaces it serves.
   */
  informer(scope: string | AppNamespaceScope): Informer<Application> & ObjectCache<Application> {
    const type = { group: GROUP, version: VERSION, plural: APPLICATION.plural };
    if (typeof scope === 'string') return customResourceInformer<Application>(this.kc, type, scope);
    if (!servesOtherNamespaces(scope))
      return customResourceInformer<Application>(this.kc, type, scope.namespace);
    return namespaceFilteredInformer(
      customResourceInformer<Application>(this.kc, type, undefined),
      appNamespaceFilter(scope),
    );
  }
}

/**
 * Whether resourceVersion `a` is at least `b` (true when `b` is undefined).
 * resourceVersions are opaque to clients; the apiserver's are etcd revisions
 * (decimal integers), and anything else counts as not known to be newer, so a
 * caller that needs the newer copy reads it from the apiserver.
 */
export function resourceVersionAtLeast(a: string | undefined, b: string | undefined): boolean {
  if (b === undefined) return true;
  if (a === undefined || !/^\d{1,30}$/.test(a) || !/^\d{1,30}$/.test(b)) return false;
  return BigInt(a) >= BigInt(b);
}
