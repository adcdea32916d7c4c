import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { editKustomization, isRenderError, parseImageOverride } from '../src/index.js';

const env = { ARGOCD_APP_REVISION: 'abc123' };
const edit = (text: string, opts: Parameters<typeof editKustomization>[1]) =>
  parse(editKustomization(text, opts, env)) as Record<string, unknown>;

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  return undefined;
}

describe('image overrides, as kustomize edit set image parses them', () => {
  it.each([
    ['nginx:1.25', { name: 'nginx', newTag: '1.25' }],
    [
      'nginx=my.registry:5000/nginx:1.25',
      { name: 'nginx', newName: 'my.registry:5000/nginx', newTag: '1.25' },
    ],
    ['app=registry/app@sha256:abc', { name: 'app', newName: 'registry/app', digest: 'sha256:abc' }],
    ['alpine@sha256:abc', { name: 'alpine', digest: 'sha256:abc' }],
    ['mysql=mariadb', { name: 'mysql', newName: 'mariadb' }],
    ['nginx=*:1.26', { name: 'nginx', newName: '*', newTag: '1.26' }],
  ])('%s', (arg, image) => {
    const parsed = Object.fromEntries(
      Object.entries(parseImageOverride(arg)).filter(([, v]) => v !== undefined),
    );
    expect(parsed).toEqual(image);
  });

  it('refuses a bare name', () => {
    expect(
      isRenderError(
        thrown(() => parseImageOverride('nginx')),
        'KustomizeError',
      ),
    ).toBe(true);
  });
});

describe('applying Application options to a kustomization, as Argo CD does', () => {
  const base = 'namePrefix: kustomize-\nresources:\n- a.yaml\n';

  it('replaces the name prefix and suffix rather than stacking them', () => {
    expect(edit(base, { namePrefix: 'app-', nameSuffix: '-v2' })).toMatchObject({
      namePrefix: 'app-',
      nameSuffix: '-v2',
      resources: ['a.yaml'],
    });
  });

  it('sets images, keeping others and `*` fields, sorted by name', () => {
    const k =
      'images:\n- name: nginx\n  newName: old/nginx\n  newTag: "1"\n- name: redis\n  newTag: "7"\n';
    expect(edit(k, { images: ['nginx=*:1.26', 'busybox:$ARGOCD_APP_REVISION'] })['images']).toEqual(
      [
        { name: 'busybox', newTag: 'abc123' },
        { name: 'nginx', newName: 'old/nginx', newTag: '1.26' },
        { name: 'redis', newTag: '7' },
      ],
    );
  });

  it('sets replicas by name, from integers or integer strings', () => {
    const k = 'replicas:\n- name: web\n  count: 1\n- name: db\n  count: 1\n';
    expect(
      edit(k, {
        replicas: [
          { name: 'web', count: '3' },
          { name: 'api', count: 2 },
        ],
      })['replicas'],
    ).toEqual([
      { name: 'api', count: 2 },
      { name: 'db', count: 1 },
      { name: 'web', count: 3 },
    ]);
    expect(
      isRenderError(
        thrown(() => edit(k, { replicas: [{ name: 'web', count: 'three' }] })),
        'KustomizeError',
      ),
    ).toBe(true);
  });

  it('adds common labels, refusing to overwrite one unless forced', () => {
    const k = 'commonLabels:\n  team: a\n';
    expect(edit(k, { commonLabels: { env: 'prod-$ARGOCD_APP_REVISION' } })['commonLabels']).toEqual(
      {
        team: 'a',
        env: 'prod-abc123',
      },
    );
    const err = thrown(() => edit(k, { commonLabels: { team: 'b' } }));
    expect(isRenderError(err, 'KustomizeError')).toBe(true);
    expect((err as Error).message).toBe('label team already in kustomization file');
    expect(
      edit(k, { commonLabels: { team: 'b' }, forceCommonLabels: true })['commonLabels'],
    ).toEqual({ team: 'b' });
  });

  it('adds labels without selectors as a labels entry', () => {
    expect(
      edit(base, { commonLabels: { env: 'prod' }, labelWithoutSelector: true })['labels'],
    ).toEqual([{ pairs: { env: 'prod' } }]);
  });

  it('adds annotations, substituting variables only when asked', () => {
    expect(
      edit(base, { commonAnnotations: { rev: '$ARGOCD_APP_REVISION' } })['commonAnnotations'],
    ).toEqual({
      rev: '$ARGOCD_APP_REVISION',
    });
    expect(
      edit(base, {
        commonAnnotations: { rev: '$ARGOCD_APP_REVISION' },
        commonAnnotationsEnvsubst: true,
      })['commonAnnotations'],
    ).toEqual({ rev: 'abc123' });
  });

  it('sets the namespace, appends patches and components', () => {
    const k = 'patches:\n- path: p1.yaml\ncomponents:\n- ../c1\n';
    const out = edit(k, {
      namespace: 'prod',
      patches: [{ patch: '- op: add\n  path: /x\n  value: 1', target: { kind: 'Deployment' } }],
      components: ['../c1', '../c2'],
    });
    expect(out['namespace']).toBe('prod');
    expect(out['patches']).toEqual([
      { path: 'p1.yaml' },
      { patch: '- op: add\n  path: /x\n  value: 1', target: { kind: 'Deployment' } },
    ]);
    expect(out['components']).toEqual(['../c1', '../c2']);
  });

  it('keeps what it does not touch as written', () => {
    const k = '# the base\nresources:\n- a.yaml # first\nnamePrefix: old-\n';
    const out = editKustomization(k, { namePrefix: 'new-' }, env);
    expect(out).toContain('# the base');
    expect(out).toContain('- a.yaml # first');
    expect(out).toContain('namePrefix: new-');
  });

  it('edits an empty kustomization', () => {
    expect(edit('', { namespace: 'x' })).toEqual({ namespace: 'x' });
  });
});
