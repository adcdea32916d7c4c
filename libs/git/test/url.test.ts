import { describe, expect, it } from 'vitest';
import {
  checkRepoUrl,
  checkRevision,
  credentialFromSecret,
  matchChartCredential,
  isGitError,
  matchCredential,
  normalizeRepoUrl,
  parseLsRemote,
  redact,
  resolveRevision,
  stripCredentials,
} from '../src/index.js';

describe('repository URLs', () => {
  it.each([
    ['https://GitHub.com/Org/Repo.git/', 'https://github.com/Org/Repo'],
    ['git@github.com:org/repo.git', 'ssh://github.com/org/repo'],
    ['https://user:pw@git.example.com/org/repo', 'https://git.example.com/org/repo'],
    ['ssh://git@host:2222/org/repo.git', 'ssh://host:2222/org/repo'],
  ])('normalise %s', (url, want) => expect(normalizeRepoUrl(url)).toBe(want));

  it('strip credentials anywhere in text', () => {
    expect(stripCredentials('fatal: https://bob:hunter2@host/x.git not found')).toBe(
      'fatal: https://host/x.git not found',
    );
    expect(redact('token abc123 leaked', ['abc123'])).toBe('token *** leaked');
  });

  it.each([
    '--upload-pack=touch /tmp/pwned',
    'ext::sh -c touch% /tmp/pwned',
    'fd::17',
    'file:///etc',
    '/srv/git/repo.git',
    './relative',
    'https://host/repo\n--config',
    'gopher://host/repo',
  ])('refuse %s', (url) => {
    let err: unknown;
    try {
      checkRepoUrl(url);
    } catch (e) {
      err = e;
    }
    expect(isGitError(err, 'RefusedUrl')).toBe(true);
  });

  it('allow file:// and local paths only when the operator allows them', () => {
    expect(() => checkRepoUrl('file:///srv/demo.git', { allowLocal: true })).not.toThrow();
    expect(() => checkRepoUrl('/srv/demo.git', { allowLocal: true })).not.toThrow();
  });

  it.each([
    'https://github.com/o/r.git',
    'http://127.0.0.1:8080/r.git',
    'ssh://git@h/r',
    'git@github.com:o/r.git',
  ])('accept %s', (url) => {
    expect(() => checkRepoUrl(url)).not.toThrow();
  });

  it.each(['--output=/tmp/x', '-v', 'main\n', 'a..b', 'HEAD@{1}'])('refuse revision %j', (rev) => {
    expect(() => checkRevision(rev)).toThrow(/refused/);
  });

  it.each(['main', 'release/1.x', 'v1.2.3', '>=1.0.0 <2.0.0', '^1.2', '1.2.*', 'HEAD'])(
    'accept revision %j',
    (rev) => {
      expect(() => checkRevision(rev)).not.toThrow();
    },
  );
});

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const C = 'c'.repeat(40);
const D = 'd'.repeat(40);
const T = 'e'.repeat(40);
const refs = parseLsRemote(
  [
    `${A}\tHEAD`,
    `${A}\trefs/heads/main`,
    `${B}\trefs/heads/release`,
    `${T}\trefs/tags/v1.2.0`,
    `${C}\trefs/tags/v1.2.0^{}`,
    `${D}\trefs/tags/v1.10.0`,
    `${B}\trefs/tags/2.0.0-rc.1`,
    `${B}\trefs/tags/not-semver`,
  ].join('\n'),
);

describe('resolveRevision', () => {
  it.each([
    ['', A],
    ['HEAD', A],
    ['main', A],
    ['release', B],
    ['refs/heads/release', B],
    ['v1.2.0', C], // annotated tag, peeled to its commit
    [D.toUpperCase(), D],
    ['1.2.*', C],
    ['>=1.0.0 <2.0.0', D],
    ['^1.0.0', D],
    ['~1.2', C],
  ])('%j → the right commit', (rev, sha) => expect(resolveRevision(refs, rev)).toBe(sha));

  it('fail clearly for an unknown branch and an unsatisfiable range', () => {
    expect(() => resolveRevision(refs, 'nope')).toThrow(/not a branch, tag or commit/);
    expect(() => resolveRevision(refs, '>=3.0.0')).toThrow(/no tag satisfies/);
  });
});

describe('credentials', () => {
  const secret = (
    type: string,
    data: Record<string, string>,
    label = 'argocd.argoproj.io/secret-type',
  ) => ({
    metadata: { labels: { [label]: type } },
    data: Object.fromEntries(
      Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
    ),
  });

  it('read Argo CD repository and repo-creds Secrets', () => {
    expect(
      credentialFromSecret(
        secret('repository', { url: 'https://h/org/app', username: 'u', password: 'p' }),
      ),
    ).toMatchObject({
      urlPrefix: 'https://h/org/app',
      username: 'u',
      password: 'p',
    });
    expect(credentialFromSecret(secret('cluster', { url: 'x' }))).toBeUndefined();
    expect(
      credentialFromSecret(
        secret('repo-creds', { url: 'https://h/org' }, 'flotilla.dev/secret-type'),
      )?.urlPrefix,
    ).toBe('https://h/org');
  });

  it('match the longest URL prefix, on whole path segments', () => {
    const creds = [
      { urlPrefix: 'https://h/org', password: 'org' },
      { urlPrefix: 'https://h/org/app.git', password: 'app' },
      { urlPrefix: 'https://h/or', password: 'wrong' },
    ];
    expect(matchCredential('https://h/org/app', creds)?.password).toBe('app');
    expect(matchCredential('https://h/org/other.git', creds)?.password).toBe('org');
    expect(matchCredential('https://h/orgx/y', creds)).toBeUndefined();
  });
});

describe('matchChartCredential', () => {
  const creds = [
    { urlPrefix: 'registry.example:5000/charts', username: 'oci' },
    { urlPrefix: 'oci://registry.example:5000/charts/team', username: 'team' },
    { urlPrefix: 'https://charts.example/stable', username: 'http' },
  ];
  it.each([
    ['oci://registry.example:5000/charts/podinfo', 'oci'],
    ['registry.example:5000/charts/team', 'team'],
    ['oci://REGISTRY.example:5000/charts/team/', 'team'],
    ['https://charts.example/stable', 'http'],
    ['https://registry.example:5000/charts', undefined],
    ['oci://charts.example/stable', undefined],
    ['oci://registry.example:5000/chartsx', undefined],
  ])('%s → %s', (url, user) => {
    expect(matchChartCredential(url, creds)?.username).toBe(user);
  });
});
