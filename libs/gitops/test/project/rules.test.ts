// AppProject rules with Argo CD's semantics: sourceRepos, destinations,
// resource white/blacklists and sourceNamespaces, as fixture tables.
import { describe, expect, it } from 'vitest';
import {
  checkApplication,
  checkObject,
  defaultProjectSpec,
  projectGlobMatch,
  groupKindVerdict,
  isAppNamespacePermitted,
  isDestinationPermitted,
  isSourcePermitted,
  normalizeRepoURL,
  projectNameOf,
  type ProjectSpec,
} from '../../src/index.js';

describe('projectGlobMatch', () => {
  it.each([
    ['*', '', false, true],
    ['*', 'a/b', true, true],
    ['https://github.com/*', 'https://github.com/org', true, true],
    ['https://github.com/*', 'https://github.com/org/repo', true, false],
    ['https://github.com/**', 'https://github.com/org/repo', true, true],
    ['https://github.com/*', 'https://github.com/org/repo', false, true],
    ['team-?', 'team-a', false, true],
    ['team-{a,b}', 'team-b', false, true],
    ['team-{a,b}', 'team-c', false, false],
    ['*.example.com', 'api.example.com', false, true],
    ['', '', false, true],
    ['', 'x', false, false],
    ['[', '[', false, true],
  ])('%s against %s (slash separates: %s) → %s', (pattern, text, slash, want) => {
    expect(projectGlobMatch(pattern, text, slash)).toBe(want);
  });
});

describe('normalizeRepoURL', () => {
  it.each([
    ['https://GitHub.com/Org/Repo.git', 'https://github.com/org/repo'],
    ['  https://github.com/org/repo  ', 'https://github.com/org/repo'],
    ['git@github.com:org/repo.git', 'git@github.com/org/repo'],
    ['ssh://git@github.com/org/repo', 'git@github.com/org/repo'],
    ['https://host:8443/org/repo', 'https://host:8443/org/repo'],
  ])('%s → %s', (input, want) => {
    expect(normalizeRepoURL(input)).toBe(want);
  });
});

describe('sourceRepos', () => {
  const cases: [string[] | undefined, string, boolean][] = [
    [undefined, 'https://github.com/org/repo', false],
    [[], 'https://github.com/org/repo', false],
    [['*'], 'https://github.com/org/repo', true],
    [['https://github.com/org/repo'], 'https://github.com/org/repo.git', true],
    [['https://github.com/org/repo.git'], 'https://GITHUB.com/org/repo', true],
    [['git@github.com:org/repo.git'], 'ssh://git@github.com/org/repo', true],
    [['https://github.com/org/*'], 'https://github.com/org/repo', true],
    [['https://github.com/org/*'], 'https://github.com/org/sub/repo', false],
    [['https://github.com/org/**'], 'https://github.com/org/sub/repo', true],
    [['https://github.com/other/*'], 'https://github.com/org/repo', false],
    // A `!` entry refuses what it names whatever else allows it.
    [['*', '!https://github.com/org/secret'], 'https://github.com/org/secret', false],
    [['*', '!https://github.com/org/secret'], 'https://github.com/org/repo', true],
    [['!https://github.com/org/secret', '*'], 'https://github.com/org/secret', false],
    // Only deny entries: nothing allows the repository.
    [['!https://github.com/org/secret'], 'https://github.com/org/repo', false],
    [
      ['https://github.com/org/*', '!https://github.com/org/b*'],
      'https://github.com/org/bad',
      false,
    ],
    [
      ['https://github.com/org/*', '!https://github.com/org/b*'],
      'https://github.com/org/good',
      true,
    ],
  ];
  it.each(cases)('%j allows %s: %s', (sourceRepos, repo, want) => {
    const spec: ProjectSpec = sourceRepos === undefined ? {} : { sourceRepos };
    expect(isSourcePermitted(spec, repo)).toBe(want);
  });
});

describe('destinations', () => {
  const IN = 'https://kubernetes.default.svc';
  const cases: [ProjectSpec['destinations'], object, boolean][] = [
    [undefined, { server: IN, namespace: 'a' }, false],
    [[{ server: '*', namespace: '*' }], { server: IN, namespace: 'a' }, true],
    [[{ server: IN, namespace: 'team-*' }], { server: IN, namespace: 'team-a' }, true],
    [[{ server: IN, namespace: 'team-*' }], { server: IN, namespace: 'other' }, false],
    [
      [{ server: IN, namespace: 'team-*' }],
      { server: 'https://other', namespace: 'team-a' },
      false,
    ],
    // By name: the app names its cluster, the project lists names.
    [[{ name: 'prod-*', namespace: '*' }], { name: 'prod-eu', namespace: 'x' }, true],
    [[{ name: 'prod-*', namespace: '*' }], { server: IN, namespace: 'x' }, false],
    [[{ server: IN, namespace: '*' }], { name: 'in-cluster', namespace: 'x' }, false],
    // Either server or name matching is enough.
    [[{ server: IN, namespace: '*' }], { server: IN, name: 'in-cluster', namespace: 'x' }, true],
    // `*` crosses `/` in destinations.
    [
      [{ server: 'https://rancher/*', namespace: '*' }],
      { server: 'https://rancher/k8s/c-1', namespace: 'x' },
      true,
    ],
    // Negation: a `!` namespace entry refuses what it names.
    [
      [
        { server: '*', namespace: '*' },
        { server: '*', namespace: '!kube-system' },
      ],
      { server: IN, namespace: 'kube-system' },
      false,
    ],
    [
      [
        { server: '*', namespace: '*' },
        { server: '*', namespace: '!kube-system' },
      ],
      { server: IN, namespace: 'apps' },
      true,
    ],
    [
      [
        { server: '*', namespace: '*' },
        { server: '!https://prod', namespace: '*' },
      ],
      { server: 'https://prod', namespace: 'apps' },
      false,
    ],
    // An empty namespace (cluster-scoped only apps) needs an entry matching "".
    [[{ server: IN, namespace: 'a' }], { server: IN, namespace: '' }, false],
    [[{ server: IN, namespace: '*' }], { server: IN }, true],
  ];
  it.each(cases)('%j allows %j: %s', (destinations, dest, want) => {
    const spec: ProjectSpec = destinations === undefined ? {} : { destinations };
    expect(isDestinationPermitted(spec, dest)).toBe(want);
  });
});

describe('resource lists', () => {
  const crb = { group: 'rbac.authorization.k8s.io', kind: 'ClusterRoleBinding' };
  const ns = { group: '', kind: 'Namespace' };
  const cm = { group: '', kind: 'ConfigMap' };
  const deploy = { group: 'apps', kind: 'Deployment' };
  it.each([
    // Cluster-scoped kinds need a whitelist entry.
    [{}, crb, false, 'clusterResourceWhitelist'],
    [{ clusterResourceWhitelist: [] }, ns, false, 'clusterResourceWhitelist'],
    [{ clusterResourceWhitelist: [{ group: '*', kind: '*' }] }, crb, false, undefined],
    [{ clusterResourceWhitelist: [{ group: '', kind: 'Namespace' }] }, ns, false, undefined],
    [
      { clusterResourceWhitelist: [{ group: '', kind: 'Namespace' }] },
      crb,
      false,
      'clusterResourceWhitelist',
    ],
    [
      {
        clusterResourceWhitelist: [{ group: '*', kind: '*' }],
        clusterResourceBlacklist: [{ group: 'rbac.authorization.k8s.io', kind: '*' }],
      },
      crb,
      false,
      'clusterResourceBlacklist',
    ],
    // Namespaced kinds: an unset whitelist allows all, an empty one none.
    [{}, cm, true, undefined],
    [{ namespaceResourceWhitelist: [] }, cm, true, 'namespaceResourceWhitelist'],
    [{ namespaceResourceWhitelist: [{ group: 'apps', kind: '*' }] }, deploy, true, undefined],
    [
      { namespaceResourceWhitelist: [{ group: 'apps', kind: '*' }] },
      cm,
      true,
      'namespaceResourceWhitelist',
    ],
    [
      { namespaceResourceBlacklist: [{ group: '', kind: 'Config*' }] },
      cm,
      true,
      'namespaceResourceBlacklist',
    ],
    [{ namespaceResourceBlacklist: [{ group: '*', kind: 'Secret' }] }, cm, true, undefined],
    // The core group is "", which `*` matches.
    [
      { namespaceResourceBlacklist: [{ group: '*', kind: 'ConfigMap' }] },
      cm,
      true,
      'namespaceResourceBlacklist',
    ],
  ])('%j, %j namespaced=%s → %s', (spec, gk, namespaced, want) => {
    expect(groupKindVerdict(spec as ProjectSpec, gk, namespaced)).toBe(want);
  });
});

describe('sourceNamespaces', () => {
  it.each([
    [undefined, 'flotilla', true],
    [undefined, undefined, true],
    [undefined, 'team-a', false],
    [['team-*'], 'team-a', true],
    [['team-*'], 'other', false],
    [['/^team-[ab]$/'], 'team-b', true],
    [['/^team-[ab]$/'], 'team-c', false],
    [['*'], 'anything', true],
  ])('%j allows apps in %s: %s', (sourceNamespaces, appNs, want) => {
    const spec: ProjectSpec = sourceNamespaces ? { sourceNamespaces } : {};
    expect(isAppNamespacePermitted(spec, appNs, 'flotilla')).toBe(want);
  });
});

describe('checks with messages', () => {
  const teamA = {
    name: 'team-a',
    spec: {
      sourceRepos: ['https://git.example.com/team-a/*'],
      destinations: [{ server: 'https://kubernetes.default.svc', namespace: 'team-a-*' }],
    } satisfies ProjectSpec,
  };
  const cluster = { server: 'https://kubernetes.default.svc' };

  it('names the rule that refused an object', () => {
    const crb = checkObject(
      teamA,
      { group: 'rbac.authorization.k8s.io', kind: 'ClusterRoleBinding', name: 'admin' },
      false,
      cluster,
    );
    expect(crb?.rule).toBe('clusterResourceWhitelist');
    expect(crb?.message).toContain('clusterResourceWhitelist');
    expect(crb?.message).toContain("project 'team-a'");

    const outside = checkObject(
      teamA,
      { group: '', kind: 'ConfigMap', namespace: 'kube-system', name: 'x' },
      true,
      cluster,
    );
    expect(outside?.rule).toBe('destinations');
    expect(outside?.message).toContain("namespace 'kube-system'");

    expect(
      checkObject(
        teamA,
        { group: '', kind: 'ConfigMap', namespace: 'team-a-dev', name: 'x' },
        true,
        cluster,
      ),
    ).toBeUndefined();
  });

  it('a Namespace object must be one of the destinations', () => {
    const withNs = {
      name: 'team-a',
      spec: { ...teamA.spec, clusterResourceWhitelist: [{ group: '', kind: 'Namespace' }] },
    };
    const ns = (name: string) => ({ group: '', kind: 'Namespace', name });
    expect(checkObject(withNs, ns('team-a-dev'), false, cluster)).toBeUndefined();
    const denied = checkObject(withNs, ns('kube-system'), false, cluster);
    expect(denied?.rule).toBe('destinations');
    expect(checkObject(teamA, ns('team-a-dev'), false, cluster)?.rule).toBe(
      'clusterResourceWhitelist',
    );
  });

  it('lists every app-level refusal', () => {
    const denials = checkApplication(
      { name: 'team-a', spec: { ...teamA.spec, signatureKeys: [{ keyID: 'ABCD' }] } },
      {
        namespace: 'flotilla',
        repoURLs: ['https://git.example.com/team-b/app', 'https://git.example.com/team-a/app'],
        destination: { server: 'https://kubernetes.default.svc', namespace: 'prod' },
      },
      'flotilla',
    );
    expect(denials.map((d) => d.rule)).toEqual(['signatureKeys', 'sourceRepos', 'destinations']);
    expect(denials[1]?.message).toContain('https://git.example.com/team-b/app');
  });

  it('the default project allows everything', () => {
    const spec = defaultProjectSpec();
    expect(isSourcePermitted(spec, 'git@example.com:x/y.git')).toBe(true);
    expect(isDestinationPermitted(spec, { name: 'any', namespace: '' })).toBe(true);
    expect(
      groupKindVerdict(spec, { group: 'rbac.authorization.k8s.io', kind: 'ClusterRole' }, false),
    ).toBeUndefined();
    expect(projectNameOf({ spec: {} })).toBe('default');
    expect(projectNameOf({ spec: { project: 'team-a' } })).toBe('team-a');
  });
});
