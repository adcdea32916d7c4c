import { describe, expect, it } from 'vitest';
import { convertArgoManifest, validateApplicationSet } from '../src/index.js';

const argoSet = (spec: Record<string, unknown>) => ({
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'ApplicationSet',
  metadata: { name: 'guestbook', namespace: 'argocd', uid: 'u1', resourceVersion: '7' },
  spec,
  status: { conditions: [] },
});

const template = {
  metadata: {
    name: '{{cluster}}-guestbook',
    finalizers: ['resources-finalizer.argocd.argoproj.io'],
  },
  spec: {
    project: 'default',
    source: { repoURL: 'https://github.com/argoproj/argo-cd.git', path: '{{path}}' },
    destination: { server: '{{url}}', namespace: 'guestbook' },
  },
};

describe('converting an Argo CD ApplicationSet', () => {
  it('keeps generators, template and policies with Argo CD’s field names', () => {
    const spec = {
      goTemplate: true,
      goTemplateOptions: ['missingkey=error'],
      generators: [
        { list: { elements: [{ cluster: 'dev', url: 'https://1.2.3.4', values: { a: 'b' } }] } },
        {
          matrix: {
            generators: [
              {
                git: { repoURL: 'https://g/r.git', revision: 'HEAD', directories: [{ path: '*' }] },
              },
              { clusters: { selector: { matchLabels: { env: 'prod' } }, values: { x: 'y' } } },
            ],
          },
        },
      ],
      template,
      templatePatch: 'spec:\n  project: "{{ .project }}"\n',
      syncPolicy: { applicationsSync: 'create-only', preserveResourcesOnDeletion: true },
    };
    const { object, warnings, converted } = convertArgoManifest(argoSet(spec));
    expect(converted).toBe(true);
    expect(warnings).toEqual(['status: dropped, status is written by Flotilla']);
    const out = object as any;
    expect(out.apiVersion).toBe('flotilla.dev/v1alpha1');
    expect(out.metadata).toEqual({ name: 'guestbook', namespace: 'flotilla' });
    expect(out.spec.generators).toEqual(spec.generators);
    expect(out.spec.template.metadata.finalizers).toEqual(['resources-finalizer.flotilla.dev']);
    expect(out.spec.syncPolicy).toEqual(spec.syncPolicy);
    expect(validateApplicationSet(out)).toEqual({ ok: true, errors: [] });
  });

  it('drops fields an Application template cannot hold and warns per path', () => {
    const spec = {
      generators: [{ list: { elements: [] } }],
      template: {
        ...template,
        spec: { ...template.spec, source: { ...template.spec.source, plugin: { name: 'x' } } },
      },
      bogus: 1,
    };
    const { object, warnings } = convertArgoManifest(argoSet(spec));
    expect(warnings).toContain(
      'spec.template.spec.source.plugin: dropped, config management plugins are not supported; the source is rendered from its files as Helm, Kustomize or plain manifests',
    );
    expect(warnings).toContain(
      'spec.bogus: dropped, not a field of flotilla.dev/v1alpha1 ApplicationSet',
    );
    expect((object as any).spec.template.spec.source.plugin).toBeUndefined();
  });

  it('keeps generators Flotilla does not run and says so', () => {
    const spec = { generators: [{ plugin: { configMapRef: { name: 'p' } } }], template };
    const { object, warnings } = convertArgoManifest(argoSet(spec));
    expect(warnings).toContain(
      'spec.generators[0].plugin: kept, but Flotilla does not run this generator',
    );
    expect((object as any).spec.generators[0].plugin).toEqual({
      configMapRef: { name: 'p' },
    });
  });

  it('keeps every field of the pullRequest generator’s provider modes, without a warning', () => {
    const tokenRef = { secretName: 'scm', key: 'token' };
    const generators = [
      {
        pullRequest: {
          github: { owner: 'o', repo: 'r', api: 'https://ghe/', tokenRef, labels: ['preview'] },
          filters: [{ branchMatch: '.*-preview', targetBranchMatch: 'main', titleMatch: '^feat' }],
          requeueAfterSeconds: 600,
          continueOnRepoNotFoundError: true,
        },
      },
      {
        pullRequest: {
          gitlab: {
            project: 'g/p',
            api: 'https://gl/',
            tokenRef,
            labels: ['a'],
            pullRequestState: 'opened',
            insecure: true,
            caRef: { configMapName: 'certs', key: 'ca.crt' },
          },
        },
      },
      {
        pullRequest: {
          gitea: { owner: 'o', repo: 'r', api: 'https://gt/', tokenRef, insecure: true },
        },
      },
      {
        pullRequest: {
          bitbucketServer: {
            project: 'P',
            repo: 'r',
            api: 'https://bb/',
            basicAuth: { username: 'u', passwordRef: tokenRef },
            bearerToken: { tokenRef },
          },
        },
      },
    ];
    const { object, warnings } = convertArgoManifest(
      argoSet({ generators: structuredClone(generators), template }),
    );
    expect(warnings.filter((w) => w.startsWith('spec'))).toEqual([]);
    expect((object as any).spec.generators).toEqual(generators);
    expect(validateApplicationSet(object as any).ok).toBe(true);
    const typo = structuredClone(object) as any;
    typo.spec.generators[0].pullRequest.github.tokenref = tokenRef;
    expect(validateApplicationSet(typo).errors).toContainEqual({
      path: 'spec.generators[0].pullRequest.github.tokenref',
      message: 'is not a known field',
    });
  });

  it('rejects an ApplicationSet whose generator has an unknown field', () => {
    const set = convertArgoManifest(argoSet({ generators: [], template })).object as any;
    set.spec.generators = [{ list: { elements: [], nope: true } }];
    const result = validateApplicationSet(set);
    expect(result.ok).toBe(false);
    expect(result.errors).toContainEqual({
      path: 'spec.generators[0].list.nope',
      message: 'is not a known field',
    });
  });
});
