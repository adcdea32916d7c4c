import { describe, expect, it } from 'vitest';
import type { ApplicationSetGenerator } from '@flotilla/api';
import {
  PathEscapeError,
  TooManyParamsError,
  generate,
  generatorRepos,
  requeueAfterSeconds,
  runGenerator,
} from '../src/index.js';
import { cluster, fakeContext, fakeTree } from './fakes.js';

const REPO = 'https://git.example.com/apps.git';
const repo = fakeTree({
  'apps/guestbook/deploy.yaml': 'kind: Deployment',
  'apps/redis/deploy.yaml': 'kind: Deployment',
  'apps/excluded/deploy.yaml': 'kind: Deployment',
  '.github/workflows/ci.yaml': 'x',
  'config/dev/config.json':
    '{"cluster": {"name": "dev", "address": "https://1.1.1.1"}, "replicas": 2}',
  'config/prod/config.json':
    '{"cluster": {"name": "prod", "address": "https://2.2.2.2"}, "replicas": 5}',
  'config/list.yaml': '- {name: a}\n- {name: b}\n',
});
const gen = (g: Record<string, unknown>) => g as ApplicationSetGenerator;

describe('list generator', () => {
  it('gives each element as a parameter set, values as values.<key>', async () => {
    const ctx = fakeContext();
    const sets = await runGenerator(
      { list: { elements: [{ cluster: 'dev', values: { size: 's' } }, { cluster: 'prod' }] } },
      ctx,
    );
    expect(sets).toEqual([{ cluster: 'dev', 'values.size': 's' }, { cluster: 'prod' }]);
  });

  it('rejects non-string values without goTemplate and keeps them with it', async () => {
    const g = { list: { elements: [{ n: 3 }] } };
    await expect(runGenerator(g, fakeContext())).rejects.toThrow(
      /error parsing value as string: n/,
    );
    expect(await runGenerator(g, fakeContext({ goTemplate: true }))).toEqual([{ n: 3 }]);
  });

  it('adds elementsYaml', async () => {
    const sets = await runGenerator(
      { list: { elements: [], elementsYaml: '- cluster: a\n- cluster: b\n' } },
      fakeContext({ goTemplate: true }),
    );
    expect(sets).toEqual([{ cluster: 'a' }, { cluster: 'b' }]);
  });
});

describe('clusters generator', () => {
  const clusters = [
    cluster('prod-eu', 'https://eu', { env: 'prod' }, { owner: 'team-a' }),
    cluster('Dev_1', 'https://dev', { env: 'dev' }),
  ];

  it('gives every cluster plus the in-cluster one when nothing selects', async () => {
    const sets = await runGenerator({ clusters: {} }, fakeContext({ clusters }));
    expect(sets).toEqual([
      {
        name: 'Dev_1',
        nameNormalized: 'dev-1',
        server: 'https://dev',
        project: '',
        'metadata.labels.env': 'dev',
      },
      {
        name: 'prod-eu',
        nameNormalized: 'prod-eu',
        server: 'https://eu',
        project: '',
        'metadata.labels.env': 'prod',
        'metadata.annotations.owner': 'team-a',
      },
      {
        name: 'in-cluster',
        nameNormalized: 'in-cluster',
        server: 'https://kubernetes.default.svc',
        project: '',
      },
    ]);
  });

  it('selects by labels, leaves the in-cluster one out, and renders values per cluster', async () => {
    const sets = await runGenerator(
      {
        clusters: {
          selector: { matchExpressions: [{ key: 'env', operator: 'In', values: ['prod'] }] },
          values: { revision: '{{name}}-stable' },
        },
      },
      fakeContext({ clusters }),
    );
    expect(sets).toHaveLength(1);
    expect(sets[0]).toMatchObject({ name: 'prod-eu', 'values.revision': 'prod-eu-stable' });
  });

  it('nests metadata with goTemplate and gives one set with flatList', async () => {
    const ctx = fakeContext({ clusters, goTemplate: true });
    const [prod] = await runGenerator(
      { clusters: { selector: { matchLabels: { env: 'prod' } } } },
      ctx,
    );
    expect(prod!['metadata']).toEqual({
      labels: { env: 'prod' },
      annotations: { owner: 'team-a' },
    });
    const flat = await runGenerator(
      { clusters: { flatList: true, selector: { matchLabels: { env: 'dev' } } } },
      ctx,
    );
    expect(flat).toHaveLength(1);
    expect((flat[0]!['clusters'] as unknown[]).length).toBe(1);
  });
});

describe('git generator', () => {
  it('gives matching directories with include and exclude, never hidden ones', async () => {
    const ctx = fakeContext({ repos: { [REPO]: repo } });
    const sets = await runGenerator(
      {
        git: {
          repoURL: REPO,
          directories: [
            { path: 'apps/*' },
            { path: 'apps/excluded', exclude: true },
            { path: '*' },
          ],
        },
      },
      ctx,
    );
    expect(sets.map((s) => s['path'])).toEqual(['apps', 'apps/guestbook', 'apps/redis', 'config']);
    expect(sets[1]).toEqual({
      path: 'apps/guestbook',
      'path.basename': 'guestbook',
      'path.basenameNormalized': 'guestbook',
      'path[0]': 'apps',
      'path[1]': 'guestbook',
    });
    expect(ctx.gitCalls).toEqual([`${REPO}@HEAD`]);
  });

  it('matches directories as Go’s path.Match: * stops at /, braces are literal', async () => {
    const ctx = fakeContext({ repos: { [REPO]: repo } });
    expect(
      await runGenerator({ git: { repoURL: REPO, directories: [{ path: '*/guestbook' }] } }, ctx),
    ).toHaveLength(1);
    expect(
      await runGenerator(
        { git: { repoURL: REPO, directories: [{ path: 'apps/{redis,guestbook}' }] } },
        ctx,
      ),
    ).toEqual([]);
    expect(
      await runGenerator({ git: { repoURL: REPO, directories: [{ path: 'apps/[gr]*' }] } }, ctx),
    ).toHaveLength(2);
  });

  it('flattens JSON files and adds path params without goTemplate', async () => {
    const ctx = fakeContext({ repos: { [REPO]: repo } });
    const sets = await runGenerator(
      { git: { repoURL: REPO, revision: 'main', files: [{ path: 'config/**/config.json' }] } },
      ctx,
    );
    expect(sets).toHaveLength(2);
    expect(sets[0]).toEqual({
      'cluster.name': 'dev',
      'cluster.address': 'https://1.1.1.1',
      replicas: '2',
      path: 'config/dev',
      'path.basename': 'dev',
      'path.basenameNormalized': 'dev',
      'path.filename': 'config.json',
      'path.filenameNormalized': 'config.json',
      'path[0]': 'config',
      'path[1]': 'dev',
    });
  });

  it('keeps file objects nested with goTemplate, one set per list item, with a path prefix', async () => {
    const ctx = fakeContext({ repos: { [REPO]: repo }, goTemplate: true });
    const sets = await runGenerator(
      {
        git: {
          repoURL: REPO,
          files: [{ path: 'config/*' }, { path: 'config/*/*.json', exclude: true }],
          pathParamPrefix: 'cfg',
        },
      },
      ctx,
    );
    expect(sets).toEqual([
      {
        name: 'a',
        cfg: {
          path: {
            path: 'config',
            basename: 'config',
            basenameNormalized: 'config',
            segments: ['config'],
            filename: 'list.yaml',
            filenameNormalized: 'list.yaml',
          },
        },
      },
      expect.objectContaining({ name: 'b' }),
    ]);
  });

  it.each(['../other/*', '/etc/*', 'apps/../../x'])(
    'refuses %s, which escapes the repository',
    async (path) => {
      const ctx = fakeContext({ repos: { [REPO]: repo } });
      await expect(
        runGenerator({ git: { repoURL: REPO, files: [{ path }] } }, ctx),
      ).rejects.toBeInstanceOf(PathEscapeError);
      await expect(
        runGenerator({ git: { repoURL: REPO, directories: [{ path }] } }, ctx),
      ).rejects.toThrow(/escapes the repository/);
    },
  );

  it('says which file does not parse', async () => {
    const bad = fakeTree({ 'c/x.yaml': 'a: [' });
    const ctx = fakeContext({ repos: { [REPO]: bad } });
    await expect(
      runGenerator({ git: { repoURL: REPO, files: [{ path: 'c/x.yaml' }] } }, ctx),
    ).rejects.toThrow(/unable to process file 'c\/x.yaml'/);
  });
});

describe('matrix generator', () => {
  it('combines every set of the first with every set of the second, the second templated by the first', async () => {
    const ctx = fakeContext({ repos: { [REPO]: repo, 'https://git.example.com/dev.git': repo } });
    const sets = await runGenerator(
      {
        matrix: {
          generators: [
            { list: { elements: [{ env: 'dev' }] } },
            {
              git: {
                repoURL: 'https://git.example.com/{{env}}.git',
                directories: [{ path: 'apps/*' }],
              },
            },
          ],
        },
      },
      ctx,
    );
    expect(sets.map((s) => `${String(s['env'])}/${String(s['path.basename'])}`)).toEqual([
      'dev/excluded',
      'dev/guestbook',
      'dev/redis',
    ]);
    expect(ctx.gitCalls).toEqual(['https://git.example.com/dev.git@HEAD']);
  });

  it('refuses the same parameter with two values without goTemplate', async () => {
    const g = {
      matrix: {
        generators: [{ list: { elements: [{ a: '1' }] } }, { list: { elements: [{ a: '2' }] } }],
      },
    };
    await expect(runGenerator(g, fakeContext())).rejects.toThrow(
      /duplicate key a with different value/,
    );
  });

  it('lets the first generator win with goTemplate, merging nested maps', async () => {
    const g = {
      matrix: {
        generators: [
          { list: { elements: [{ a: 1, m: { x: 'first' } }] } },
          { list: { elements: [{ a: 2, b: 3, m: { x: 'second', y: 'kept' } }] } },
        ],
      },
    };
    expect(await runGenerator(g, fakeContext({ goTemplate: true }))).toEqual([
      { a: 1, b: 3, m: { x: 'first', y: 'kept' } },
    ]);
  });

  it('needs exactly two generators', async () => {
    await expect(
      runGenerator({ matrix: { generators: [{ list: { elements: [] } }] } }, fakeContext()),
    ).rejects.toThrow(/exactly two/);
  });

  it('stops at the configured maximum, before rendering anything', async () => {
    const many = (n: number, key: string) => ({
      list: { elements: Array.from({ length: n }, (_, i) => ({ [key]: String(i) })) },
    });
    const ctx = fakeContext({ maxParams: 50 });
    await expect(
      runGenerator({ matrix: { generators: [many(10, 'a'), many(10, 'b')] } }, ctx),
    ).rejects.toBeInstanceOf(TooManyParamsError);
    expect(
      await runGenerator({ matrix: { generators: [many(5, 'a'), many(10, 'b')] } }, ctx),
    ).toHaveLength(50);
  });
});

describe('merge generator', () => {
  it('merges later sets into the first by mergeKeys and keeps unmatched base sets', async () => {
    const sets = await runGenerator(
      {
        merge: {
          mergeKeys: ['server'],
          generators: [
            {
              list: {
                elements: [
                  { server: 's1', size: 'small' },
                  { server: 's2', size: 'small' },
                ],
              },
            },
            {
              list: {
                elements: [
                  { server: 's2', size: 'large' },
                  { server: 's3', size: 'huge' },
                ],
              },
            },
          ],
        },
      },
      fakeContext(),
    );
    expect(sets).toEqual([
      { server: 's1', size: 'small' },
      { server: 's2', size: 'large' },
    ]);
  });

  it('refuses sets that are not unique by their merge keys, and a merge without keys', async () => {
    const dup = { list: { elements: [{ k: 'a' }, { k: 'a' }] } };
    await expect(
      runGenerator(
        { merge: { mergeKeys: ['k'], generators: [dup, { list: { elements: [] } }] } },
        fakeContext(),
      ),
    ).rejects.toThrow(/not unique by the given mergeKeys/);
    await expect(
      runGenerator({ merge: { mergeKeys: [], generators: [dup, dup] } }, fakeContext()),
    ).rejects.toThrow(/no merge keys/);
  });
});

describe('selectors, generation and requeue', () => {
  it('filters any generator’s sets by a selector over their flattened parameters', async () => {
    const sets = await runGenerator(
      {
        list: { elements: [{ env: 'dev', values: { tier: 'gold' } }, { env: 'prod' }] },
        selector: { matchLabels: { 'values.tier': 'gold' } },
      },
      fakeContext(),
    );
    expect(sets).toEqual([{ env: 'dev', 'values.tier': 'gold' }]);
  });

  it('rejects a generator Flotilla does not run, and one with two kinds', async () => {
    await expect(generate([gen({ plugin: {} })], fakeContext())).rejects.toThrow(
      /plugin generator is not supported/,
    );
    await expect(
      generate([gen({ list: { elements: [] }, clusters: {} })], fakeContext()),
    ).rejects.toThrow(/sets list and clusters/);
  });

  it('keeps each generator’s template with its sets', async () => {
    const out = await generate(
      [gen({ list: { elements: [{ a: 'x' }], template: { metadata: { name: 'own' } } } })],
      fakeContext(),
    );
    expect(out).toEqual([{ params: [{ a: 'x' }], template: { metadata: { name: 'own' } } }]);
  });

  it('requeues at the shortest interval any generator asks for; Git defaults to 3 minutes', () => {
    expect(requeueAfterSeconds([gen({ list: { elements: [] } })])).toBeUndefined();
    expect(requeueAfterSeconds([gen({ git: { repoURL: REPO } })])).toBe(180);
    expect(
      requeueAfterSeconds([
        gen({ git: { repoURL: REPO } }),
        gen({
          matrix: {
            generators: [{ list: {} }, { git: { repoURL: REPO, requeueAfterSeconds: 30 } }],
          },
        }),
      ]),
    ).toBe(30);
  });
});

describe('pullRequest generator, gitRefs mode (no API token)', () => {
  const sha = (c: string) => c.repeat(40);
  const refsCtx = (refs: Record<string, string>) => ({
    ...fakeContext(),
    refs: async () => new Map(Object.entries(refs)),
  });

  it('gives one set per open pull request from refs/pull/*/head and GitLab merge requests', async () => {
    const sets = await runGenerator(
      { pullRequest: { gitRefs: { repoURL: REPO } } },
      refsCtx({
        HEAD: sha('0'),
        'refs/heads/main': sha('0'),
        'refs/pull/12/head': sha('a'),
        'refs/pull/2/head': sha('b'),
        'refs/merge-requests/7/head': sha('c'),
      }),
    );
    expect(sets).toEqual([
      {
        number: '2',
        branch: 'refs/pull/2/head',
        branch_slug: 'pull-2-head',
        head_sha: sha('b'),
        head_short_sha: 'bbbbbbbb',
        head_short_sha_7: 'bbbbbbb',
      },
      expect.objectContaining({ number: '7', branch: 'refs/merge-requests/7/head' }),
      expect.objectContaining({ number: '12', head_sha: sha('a') }),
    ]);
  });

  it('counts only pull requests with a merge ref as open when the host publishes merge refs', async () => {
    const sets = await runGenerator(
      { pullRequest: { gitRefs: { repoURL: REPO } } },
      refsCtx({
        'refs/pull/1/head': sha('a'),
        'refs/pull/1/merge': sha('d'),
        'refs/pull/2/head': sha('b'),
      }),
    );
    expect(sets.map((s) => s['number'])).toEqual(['1']);
  });

  it('refuses a generator that sets an API mode and gitRefs', async () => {
    await expect(
      runGenerator(
        { pullRequest: { github: { owner: 'o', repo: 'r' }, gitRefs: { repoURL: REPO } } },
        refsCtx({}),
      ),
    ).rejects.toThrow('pullRequest sets github and gitRefs: set exactly one');
  });
});

describe('generatorRepos', () => {
  it('names the web URL of the repository of each pullRequest provider mode', () => {
    expect(
      generatorRepos([
        { pullRequest: { github: { owner: 'o', repo: 'r' } } },
        { pullRequest: { github: { owner: 'o', repo: 'r', api: 'https://api.github.com/' } } },
        { pullRequest: { github: { owner: 'o', repo: 'e', api: 'https://ghe.example.com/' } } },
        { pullRequest: { gitlab: { project: 'group/app' } } },
        { pullRequest: { gitlab: { project: '42', api: 'https://gl.example.com' } } },
        { pullRequest: { gitea: { owner: 'o', repo: 'r', api: 'https://gitea.example.com/' } } },
        {
          pullRequest: {
            bitbucketServer: { project: 'PRJ', repo: 'app', api: 'https://bb.example.com/rest' },
          },
        },
      ] as ApplicationSetGenerator[]),
    ).toEqual([
      'https://github.com/o/r',
      'https://ghe.example.com/o/e',
      'https://gitlab.com/group/app',
      'https://gitea.example.com/o/r',
      'https://bb.example.com/scm/prj/app',
      'https://bb.example.com/scm/PRJ/app',
    ]);
  });

  it('lists the repositories of Git and pullRequest generators, nested ones too', () => {
    expect(
      generatorRepos([
        { list: { elements: [] } },
        { git: { repoURL: REPO, revision: 'main', directories: [{ path: '*' }] } },
        {
          matrix: {
            generators: [
              { pullRequest: { gitRefs: { repoURL: 'https://git.example.com/pr.git' } } },
              { merge: { generators: [{ git: { repoURL: 'https://x/y.git', files: [] } }] } },
            ],
          },
        },
      ] as ApplicationSetGenerator[]),
    ).toEqual([REPO, 'https://git.example.com/pr.git', 'https://x/y.git']);
  });
});
