import { describe, expect, it } from 'vitest';
import {
  APPLIER_FIELD_MANAGER,
  APPLIER_STATUS_FIELDS,
  DIFFER_FIELD_MANAGER,
  DIFFER_STATUS_FIELDS,
  applicationStatusPath,
  applierStatusPatch,
  differStatusPatch,
  isCompleted,
  isStatusPatchError,
  statusApplyRequest,
  validateApplication,
  type ApplierStatus,
  type DifferStatus,
} from '../src/index.js';
import { application } from './fixtures.js';

const app = { metadata: { name: 'guestbook', namespace: 'flotilla' } };

const differ: DifferStatus = {
  sync: { status: 'OutOfSync', revision: 'abc123' },
  health: { status: 'Progressing', message: 'Deployment web: 1 of 2 replicas ready' },
  resources: [
    {
      group: 'apps',
      version: 'v1',
      kind: 'Deployment',
      namespace: 'guestbook',
      name: 'web',
      status: 'OutOfSync',
    },
  ],
  conditions: [],
  reconciledAt: '2026-05-01T10:00:00Z',
  sourceType: 'Directory',
};

const applier: ApplierStatus = {
  operationState: {
    operation: { sync: { revision: 'abc123' }, initiatedBy: { automated: true } },
    phase: 'Running',
    startedAt: '2026-05-01T10:00:01Z',
  },
  history: [{ id: 1, revision: 'abc000', deployedAt: '2026-04-30T09:00:00Z' }],
};

describe('status ownership', () => {
  it('gives each status field exactly one owner', () => {
    const all: string[] = [...DIFFER_STATUS_FIELDS, ...APPLIER_STATUS_FIELDS];
    expect(new Set(all).size).toBe(all.length);
    expect(DIFFER_FIELD_MANAGER).toBe('flotilla-differ');
    expect(APPLIER_FIELD_MANAGER).toBe('flotilla-applier');
  });

  it('builds the differ’s apply body with only the differ’s fields', () => {
    const foreign = { ...differ, operationState: applier.operationState } as DifferStatus;
    expect(differStatusPatch(app, foreign)).toEqual({
      apiVersion: 'flotilla.dev/v1alpha1',
      kind: 'Application',
      metadata: { name: 'guestbook', namespace: 'flotilla' },
      status: differ,
    });
  });

  it('builds the applier’s apply body with only operationState and history', () => {
    const foreign = { ...applier, sync: differ.sync } as ApplierStatus;
    const patch = applierStatusPatch(app, foreign);
    expect(Object.keys(patch.status)).toEqual(['operationState', 'history']);
  });

  it('produces status an Application validates with', () => {
    const full = application();
    full['status'] = {
      ...differStatusPatch(app, differ).status,
      ...applierStatusPatch(app, applier).status,
    };
    expect(validateApplication(full)).toEqual({ ok: true, errors: [] });
  });

  it('addresses the status subresource', () => {
    expect(applicationStatusPath('flotilla', 'guestbook')).toBe(
      '/apis/flotilla.dev/v1alpha1/namespaces/flotilla/applications/guestbook/status',
    );
    const request = statusApplyRequest(differStatusPatch(app, differ), DIFFER_FIELD_MANAGER);
    expect(request).toMatchObject({
      method: 'PATCH',
      path: '/apis/flotilla.dev/v1alpha1/namespaces/flotilla/applications/guestbook/status',
      query: { fieldManager: 'flotilla-differ', force: 'true' },
      contentType: 'application/apply-patch+yaml',
    });
  });

  it('refuses an Application without a name or namespace', () => {
    let error: unknown;
    try {
      differStatusPatch({ metadata: { name: 'x' } }, differ);
    } catch (e) {
      error = e;
    }
    expect(isStatusPatchError(error)).toBe(true);
  });

  it('knows which operation phases are final', () => {
    expect(
      ['Running', 'Terminating', 'Failed', 'Error', 'Succeeded'].map((p) =>
        isCompleted(p as never),
      ),
    ).toEqual([false, false, true, true, true]);
  });
});
