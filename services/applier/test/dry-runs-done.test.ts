import { describe, expect, it } from 'vitest';
import {
  effectiveSyncOptions,
  SyncTaskType,
  type SyncOptionValues,
  type SyncTask,
} from '@flotilla/gitops';
import { dryRunsDone } from '../src/tasks.js';

const cm = (name: string, resourceVersion?: string) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'dest', ...(resourceVersion ? { resourceVersion } : {}) },
  data: { a: '1' },
});

const task = (
  name: string,
  live: string | undefined,
  options: SyncOptionValues = {},
  type: SyncTaskType = SyncTaskType.Apply,
): SyncTask =>
  ({
    id: name,
    key: { group: '', kind: 'ConfigMap', namespace: 'dest', name },
    name,
    type,
    phase: 'Sync',
    wave: 0,
    deletePolicies: [],
    syncOptions: effectiveSyncOptions({}, options),
    targetObject: cm(name),
    ...(live ? { liveObject: cm(name, live) } : {}),
    skipDryRun: false,
  }) as unknown as SyncTask;

describe('dryRunsDone', () => {
  it('asks only about forced server-side applies over a live object, and keeps those that passed', async () => {
    const asked: string[] = [];
    const done = await dryRunsDone(
      {
        comparedDryRuns: async (objects) => {
          asked.push(...objects.map((o) => `${o.key.name}@${o.resourceVersion}`));
          return objects.map((o) => o.key.name !== 'not-marked');
        },
      },
      [
        task('plain', '7'),
        task('not-marked', '8'),
        task('created', undefined),
        task('replaced', '9', { replace: true }),
        task('client-side', '10', { serverSideApply: false }),
        task('unvalidated', '11', { validate: false }),
        task('hook', '12', {}, SyncTaskType.Hook),
      ],
    );
    // A create, a replace, a client-side apply and a hook are not what the differ dry-runs.
    expect(asked).toEqual(['plain@7', 'not-marked@8']);
    expect([...done].map((t) => t.name)).toEqual(['plain']);
  });

  it('keeps every dry run when the marks cannot be read, or when this sync writes as another user', async () => {
    const tasks = [task('plain', '7')];
    const failing = await dryRunsDone(
      { comparedDryRuns: () => Promise.reject(new Error('redis down')) },
      tasks,
    );
    expect(failing.size).toBe(0);
    expect((await dryRunsDone({}, tasks)).size).toBe(0);
  });
});
