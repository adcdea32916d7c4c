import { describe, expect, it } from 'vitest';
import type { ApplicationSet } from '@flotilla/api';
import { Templates, mergePatch, mergeTemplates, renderApplications } from '../src/index.js';

const set = (spec: Partial<ApplicationSet['spec']> = {}): ApplicationSet => ({
  apiVersion: 'flotilla.dev/v1alpha1',
  kind: 'ApplicationSet',
  metadata: { name: 'guestbook', namespace: 'team-a' },
  spec: {
    generators: [],
    template: {
      metadata: { name: '{{cluster}}-guestbook', labels: { team: 'a' } },
      spec: {
        project: 'default',
        source: {
          repoURL: 'https://git.example.com/apps.git',
          path: 'guestbook',
          targetRevision: 'HEAD',
        },
        destination: { server: '{{url}}', namespace: 'guestbook' },
      },
    },
    ...spec,
  },
});
const engine = new Templates();

describe('rendering Applications', () => {
  it('renders one Application per set, in the set’s namespace, with the resources finalizer', async () => {
    const out = await renderApplications(
      set(),
      [{ params: [{ cluster: 'dev', url: 'https://dev' }], template: undefined }],
      engine,
    );
    expect(out).toEqual([
      {
        ok: true,
        app: {
          apiVersion: 'flotilla.dev/v1alpha1',
          kind: 'Application',
          metadata: {
            name: 'dev-guestbook',
            namespace: 'team-a',
            labels: { team: 'a' },
            finalizers: ['resources-finalizer.flotilla.dev'],
          },
          spec: {
            project: 'default',
            source: {
              repoURL: 'https://git.example.com/apps.git',
              path: 'guestbook',
              targetRevision: 'HEAD',
            },
            destination: { server: 'https://dev', namespace: 'guestbook' },
          },
        },
      },
    ]);
  });

  it('adds no finalizer with preserveResourcesOnDeletion, and keeps the template’s own', async () => {
    const [a] = await renderApplications(
      set({ syncPolicy: { preserveResourcesOnDeletion: true } }),
      [{ params: [{ cluster: 'x', url: 'https://x' }], template: undefined }],
      engine,
    );
    expect(a?.ok && a.app.metadata.finalizers).toBeUndefined();
    const s = set();
    s.spec.template.metadata.finalizers = ['resources-finalizer.flotilla.dev/background'];
    const [b] = await renderApplications(
      s,
      [{ params: [{ cluster: 'x', url: 'https://x' }], template: undefined }],
      engine,
    );
    expect(b?.ok && b.app.metadata.finalizers).toEqual([
      'resources-finalizer.flotilla.dev/background',
    ]);
  });

  it('lets a generator’s template override the set’s field by field', async () => {
    const [a] = await renderApplications(
      set(),
      [
        {
          params: [{ cluster: 'x', url: 'https://x' }],
          template: { spec: { source: { path: 'override-{{cluster}}' } } },
        },
      ],
      engine,
    );
    expect(a?.ok && a.app.spec.source).toEqual({
      repoURL: 'https://git.example.com/apps.git',
      path: 'override-x',
      targetRevision: 'HEAD',
    });
  });

  it('applies templatePatch, but never to the project nor the namespace', async () => {
    const [a] = await renderApplications(
      set({
        templatePatch:
          'metadata:\n  namespace: flotilla\nspec:\n  project: other\n  source:\n    targetRevision: "{{cluster}}-branch"\n',
      }),
      [{ params: [{ cluster: 'x', url: 'https://x' }], template: undefined }],
      engine,
    );
    expect(a?.ok && a.app.spec.project).toBe('default');
    expect(a?.ok && a.app.metadata.namespace).toBe('team-a');
    expect(a?.ok && a.app.spec.source?.targetRevision).toBe('x-branch');
  });

  it('reports an invalid rendered Application instead of creating it', async () => {
    const s = set();
    (s.spec.template.spec as Record<string, unknown>)['destination'] = {
      server: '{{url}}',
      name: 'both',
    };
    const [a] = await renderApplications(
      s,
      [{ params: [{ cluster: 'x', url: 'https://x' }], template: undefined }],
      engine,
    );
    expect(a).toEqual({
      ok: false,
      reason: 'invalid',
      message:
        'Application x-guestbook is invalid: spec.destination: destination must set either server or name, not both',
    });
  });

  it('reports a name the apiserver would refuse, such as a tag left unrendered', async () => {
    const s = set();
    s.spec.template.metadata.name = '{{.cluster}}-guestbook';
    const [a] = await renderApplications(
      s,
      [{ params: [{ cluster: 'x', url: 'https://x' }], template: undefined }],
      engine,
    );
    expect(a).toMatchObject({
      ok: false,
      reason: 'invalid',
      message: expect.stringContaining('"{{.cluster}}-guestbook" is not a valid name'),
    });
  });

  it('reports a template that does not render', async () => {
    const [a] = await renderApplications(
      set({ templatePatch: '{{oops' + ' {{cluster}}' }),
      [{ params: [{ cluster: 'x', url: 'https://x' }], template: undefined }],
      engine,
    );
    expect(a).toMatchObject({ ok: false, reason: 'render' });
  });
});

describe('template helpers', () => {
  it('merges templates with the generator’s non-empty fields winning', () => {
    expect(
      mergeTemplates({ a: '', b: 'own', c: { d: 1 } }, { a: 'base', b: 'base', c: { e: 2 }, f: 3 }),
    ).toEqual({
      a: 'base',
      b: 'own',
      c: { d: 1, e: 2 },
      f: 3,
    });
  });

  it('applies JSON merge patches', () => {
    expect(mergePatch({ a: { b: 1, c: 2 }, l: [1, 2] }, { a: { c: null, d: 3 }, l: [9] })).toEqual({
      a: { b: 1, d: 3 },
      l: [9],
    });
  });
});
