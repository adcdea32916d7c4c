import { describe, expect, it } from 'vitest';
import {
  convertArgoManifest,
  formatValidationErrors,
  validateAppProject,
  validateApplication,
} from '../src/index.js';
import { appProject, application, testdata } from './fixtures.js';

describe('validateApplication', () => {
  it('accepts a small Application', () => {
    expect(validateApplication(application())).toEqual({ ok: true, errors: [] });
  });

  it('accepts a rich Argo CD Application once its apiVersion is swapped and unsupported fields are gone', () => {
    const { object } = convertArgoManifest(testdata('argo-application.yaml'));
    const result = validateApplication(object);
    expect(formatValidationErrors(result.errors)).toBe('');
    expect(result.ok).toBe(true);
  });

  it('points Argo CD manifests at the converter', () => {
    const result = validateApplication({ ...application(), apiVersion: 'argoproj.io/v1alpha1' });
    expect(result.errors).toEqual([
      { path: 'apiVersion', message: expect.stringContaining('convertArgoManifest') },
    ]);
  });

  it.each([
    ['neither source nor sources', { source: undefined }],
    ['both source and sources', { sources: [{ repoURL: 'https://git.example.com/a.git' }] }],
    ['an empty sources list only', { source: undefined, sources: [] }],
  ])('rejects %s', (_, spec) => {
    expect(validateApplication(application(spec)).errors).toEqual([
      { path: 'spec', message: 'exactly one of source or sources must be set' },
    ]);
  });

  it('accepts sources instead of source', () => {
    const spec = { source: undefined, sources: [{ repoURL: 'https://git.example.com/a.git' }] };
    expect(validateApplication(application(spec)).ok).toBe(true);
  });

  it.each([
    ['both server and name', { server: 'https://kubernetes.default.svc', name: 'in-cluster' }],
    ['neither server nor name', { namespace: 'guestbook' }],
    ['empty server and name', { server: '', name: '' }],
  ])('rejects a destination with %s', (_, destination) => {
    expect(validateApplication(application({ destination })).errors).toEqual([
      { path: 'spec.destination', message: 'destination must set either server or name, not both' },
    ]);
  });

  it('rejects a source with two renderers, wherever the source is', () => {
    const twoTools = { repoURL: 'https://x', helm: {}, directory: { recurse: true } };
    const app = application({ source: undefined, sources: [{ repoURL: 'https://y' }, twoTools] });
    app['operation'] = { sync: { source: twoTools } };
    expect(validateApplication(app).errors).toEqual([
      {
        path: 'spec.sources[1]',
        message: 'a source may set only one of helm, kustomize or directory',
      },
      {
        path: 'operation.sync.source',
        message: 'a source may set only one of helm, kustomize or directory',
      },
    ]);
  });

  it('rejects a retry limit that is not an integer', () => {
    const result = validateApplication(application({ syncPolicy: { retry: { limit: 2.5 } } }));
    expect(result.errors).toEqual([
      { path: 'spec.syncPolicy.retry.limit', message: 'must be an integer' },
    ]);
  });

  it.each(['5', '5s', '1m30s', '1.5h', '250ms'])('accepts backoff duration %j', (duration) => {
    const spec = { syncPolicy: { retry: { backoff: { duration, maxDuration: duration } } } };
    expect(validateApplication(application(spec)).ok).toBe(true);
  });

  it.each(['5 s', 'soon', '-5s', '1d'])('rejects backoff duration %j', (duration) => {
    const spec = { syncPolicy: { retry: { backoff: { duration, maxDuration: '3m' } } } };
    expect(validateApplication(application(spec)).errors).toEqual([
      {
        path: 'spec.syncPolicy.retry.backoff',
        message: 'backoff.duration must be a number of seconds or a duration such as 30s, 2m or 1h',
      },
    ]);
  });

  it('names missing and unknown fields and wrong types', () => {
    const app = application({ project: undefined, syncPolicy: { automated: { prune: 'yes' } } });
    app['spec']['source']['plugin'] = { name: 'sops' };
    app['spec']['source']['kustomize'] = { replicas: [{ name: 'web', count: true }] };
    expect(validateApplication(app).errors).toEqual([
      { path: 'spec.project', message: 'is required' },
      { path: 'spec.source.plugin', message: 'is not a known field' },
      {
        path: 'spec.source.kustomize.replicas[0].count',
        message: 'must be an integer or a string',
      },
      { path: 'spec.syncPolicy.automated.prune', message: 'must be true or false' },
    ]);
  });

  it('checks status values against the closed sets', () => {
    const app = application();
    app['status'] = {
      sync: { status: 'Drifted' },
      health: { status: 'Healthy', lastTransitionTime: 'yesterday' },
    };
    expect(validateApplication(app).errors).toEqual([
      { path: 'status.sync.status', message: 'must be one of "Synced", "OutOfSync", "Unknown"' },
      {
        path: 'status.health.lastTransitionTime',
        message: 'must be an RFC 3339 time, such as 2026-01-02T15:04:05Z',
      },
    ]);
  });

  it('does not apply input rules to status, which controllers write', () => {
    const app = application();
    app['status'] = {
      sync: {
        status: 'Synced',
        comparedTo: {
          source: { repoURL: 'https://x', helm: {}, kustomize: {} },
          destination: { server: 'https://a', name: 'b' },
        },
      },
    };
    expect(validateApplication(app).ok).toBe(true);
  });

  it('quotes map keys that are not identifiers in paths', () => {
    const app = application();
    app['metadata']['labels'] = { 'app.kubernetes.io/name': 3 };
    expect(validateApplication(app).errors).toEqual([
      { path: 'metadata.labels["app.kubernetes.io/name"]', message: 'must be a string' },
    ]);
  });
});

describe('validateAppProject', () => {
  it('accepts a rich Argo CD AppProject once converted', () => {
    const { object } = convertArgoManifest(testdata('argo-appproject.yaml'));
    expect(formatValidationErrors(validateAppProject(object).errors)).toBe('');
  });

  const window = (w: Record<string, unknown>) =>
    appProject({
      syncWindows: [
        { kind: 'allow', schedule: '0 8 * * 1-5', duration: '10h', applications: ['*'], ...w },
      ],
    });

  it('accepts a sync window', () => {
    expect(validateAppProject(window({})).ok).toBe(true);
  });

  it.each([
    [{ kind: 'maybe' }, 'spec.syncWindows[0].kind', 'must be one of "allow", "deny"'],
    [
      { duration: '10 hours' },
      'spec.syncWindows[0]',
      'sync window duration must be a duration such as 1h or 30m',
    ],
    [
      { schedule: '0 8 * *' },
      'spec.syncWindows[0]',
      'sync window schedule must be a cron expression with five fields (minute hour day-of-month month day-of-week)',
    ],
    [
      { applications: [] },
      'spec.syncWindows[0]',
      'a sync window must list at least one of applications, namespaces or clusters',
    ],
  ])('rejects the sync window %j', (w, path, message) => {
    expect(validateAppProject(window(w)).errors).toEqual([{ path, message }]);
  });

  it('rejects a role name Argo CD rejects', () => {
    const result = validateAppProject(appProject({ roles: [{ name: '-ci' }] }));
    expect(result.errors).toEqual([
      {
        path: 'spec.roles[0].name',
        message: 'must match ^[a-zA-Z0-9]([-_a-zA-Z0-9]*[a-zA-Z0-9])?$',
      },
    ]);
  });
});
