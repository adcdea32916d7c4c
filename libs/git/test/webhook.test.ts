import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  appsForPush,
  detectProvider,
  parsePullRequest,
  parsePush,
  verifyWebhook,
  type PolledApp,
} from '../src/index.js';

const body = Buffer.from(JSON.stringify({ ref: 'refs/heads/main' }));
const hex = (secret: string) => createHmac('sha256', secret).update(body).digest('hex');

describe('webhook verification', () => {
  it.each([
    [
      'github',
      { 'x-github-event': 'push', 'x-hub-signature-256': `sha256=${hex('s3')}` },
      { github: 's3' },
      true,
    ],
    [
      'github',
      { 'x-github-event': 'push', 'x-hub-signature-256': `sha256=${hex('bad')}` },
      { github: 's3' },
      false,
    ],
    ['github', { 'x-github-event': 'push' }, { github: 's3' }, false],
    ['github', { 'x-github-event': 'push' }, {}, false],
    ['github', { 'x-github-event': 'push' }, { allowUnsigned: true }, true],
    ['gitlab', { 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': 'tok' }, { gitlab: 'tok' }, true],
    ['gitlab', { 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': 'to' }, { gitlab: 'tok' }, false],
    ['gitea', { 'x-gitea-event': 'push', 'x-gitea-signature': hex('g') }, { gitea: 'g' }, true],
    ['gogs', { 'x-gogs-event': 'push', 'x-gogs-signature': hex('g') }, { gogs: 'g' }, true],
    [
      'bitbucket',
      { 'x-event-key': 'repo:push', 'x-hook-uuid': '{uuid}' },
      { bitbucket: '{uuid}' },
      true,
    ],
    [
      'bitbucket',
      { 'x-event-key': 'repo:push', 'x-hub-signature': `sha256=${hex('b')}` },
      { bitbucket: 'b' },
      true,
    ],
    [
      'bitbucketserver',
      { 'x-event-key': 'repo:refs_changed', 'x-hub-signature': `sha256=${hex('b')}` },
      { bitbucketserver: 'b' },
      true,
    ],
    [
      'azuredevops',
      { authorization: `Basic ${Buffer.from('u:p').toString('base64')}` },
      { azuredevops: { username: 'u', password: 'p' } },
      true,
    ],
    [
      'azuredevops',
      { authorization: `Basic ${Buffer.from('u:x').toString('base64')}` },
      { azuredevops: { username: 'u', password: 'p' } },
      false,
    ],
    ['generic', { 'x-flotilla-signature-256': `sha256=${hex('gen')}` }, { generic: 'gen' }, true],
    [
      'generic',
      { 'x-flotilla-signature-256': `sha256=${hex('gen')}` },
      { allowUnsigned: true },
      false,
    ],
  ] as const)('%s %j → %s', (provider, headers, secrets, ok) => {
    expect(detectProvider(headers)).toBe(provider);
    expect(verifyWebhook(provider, headers, body, secrets)).toBe(ok);
  });
});

describe('push payloads', () => {
  it('GitHub: repository URLs, branch, default branch and changed files', () => {
    const push = parsePush('github', 'push', {
      ref: 'refs/heads/main',
      repository: {
        html_url: 'https://github.com/o/r',
        clone_url: 'https://github.com/o/r.git',
        ssh_url: 'git@github.com:o/r.git',
        default_branch: 'main',
      },
      commits: [
        { added: ['apps/a/x.yaml'], modified: [], removed: [] },
        { added: [], modified: ['apps/b/y.yaml'], removed: ['apps/a/x.yaml'] },
      ],
    });
    expect(push).toEqual({
      provider: 'github',
      repoUrls: ['https://github.com/o/r', 'https://github.com/o/r.git', 'git@github.com:o/r.git'],
      ref: 'main',
      isTag: false,
      defaultBranch: 'main',
      changedFiles: ['apps/a/x.yaml', 'apps/b/y.yaml'],
    });
    expect(parsePush('github', 'ping', {})).toBeUndefined();
  });

  it('GitLab tag push, Bitbucket Cloud, Bitbucket Server and Azure DevOps', () => {
    expect(
      parsePush('gitlab', 'Tag Push Hook', {
        ref: 'refs/tags/v1.2.0',
        project: { git_http_url: 'https://gl/o/r.git' },
      }),
    ).toMatchObject({
      ref: 'v1.2.0',
      isTag: true,
    });
    expect(
      parsePush('bitbucket', 'repo:push', {
        repository: { full_name: 'o/r', links: { html: { href: 'https://bitbucket.org/o/r' } } },
        push: { changes: [{ new: { name: 'main', type: 'branch' } }] },
      }),
    ).toMatchObject({
      ref: 'main',
      repoUrls: ['https://bitbucket.org/o/r', 'https://bitbucket.org/o/r'],
    });
    expect(
      parsePush('bitbucketserver', 'repo:refs_changed', {
        repository: {
          links: {
            clone: [{ href: 'https://bbs/scm/o/r.git' }, { href: 'ssh://git@bbs:7999/o/r.git' }],
          },
        },
        changes: [{ ref: { id: 'refs/heads/dev' } }],
      }),
    ).toMatchObject({ ref: 'dev' });
    expect(
      parsePush('azuredevops', undefined, {
        eventType: 'git.push',
        resource: {
          repository: {
            remoteUrl: 'https://dev.azure.com/o/p/_git/r',
            defaultBranch: 'refs/heads/main',
          },
          refUpdates: [{ name: 'refs/heads/main' }],
        },
      }),
    ).toMatchObject({ ref: 'main', defaultBranch: 'main' });
  });
});

describe('pull request payloads', () => {
  it('GitHub, Gitea, GitLab, Bitbucket Server and Azure DevOps: repository, number and action', () => {
    expect(
      parsePullRequest('github', 'pull_request', {
        action: 'synchronize',
        number: 7,
        repository: { clone_url: 'https://github.com/o/r.git', html_url: 'https://github.com/o/r' },
      }),
    ).toEqual({
      provider: 'github',
      repoUrls: ['https://github.com/o/r', 'https://github.com/o/r.git'],
      number: 7,
      action: 'synchronize',
    });
    expect(parsePullRequest('github', 'push', { ref: 'refs/heads/main' })).toBeUndefined();
    expect(
      parsePullRequest('gitea', 'pull_request', {
        action: 'closed',
        pull_request: { number: 3 },
        repository: { clone_url: 'https://gitea/o/r.git' },
      }),
    ).toMatchObject({ number: 3, action: 'closed' });
    expect(
      parsePullRequest('gitlab', 'Merge Request Hook', {
        project: { git_http_url: 'https://gl/o/r.git' },
        object_attributes: { iid: 4, action: 'open' },
      }),
    ).toMatchObject({ repoUrls: ['https://gl/o/r.git'], number: 4, action: 'open' });
    expect(
      parsePullRequest('bitbucketserver', 'pr:opened', {
        pullRequest: {
          id: 5,
          toRef: { repository: { links: { clone: [{ href: 'https://bbs/scm/o/r.git' }] } } },
        },
      }),
    ).toMatchObject({ repoUrls: ['https://bbs/scm/o/r.git'], number: 5, action: 'opened' });
    expect(
      parsePullRequest('azuredevops', undefined, {
        eventType: 'git.pullrequest.updated',
        resource: {
          pullRequestId: 6,
          repository: { remoteUrl: 'https://dev.azure.com/o/p/_git/r' },
        },
      }),
    ).toMatchObject({ number: 6, action: 'updated' });
    expect(parsePullRequest('gitlab', 'Push Hook', {})).toBeUndefined();
  });
});

describe('appsForPush', () => {
  const app = (name: string, repoURL: string, targetRevision?: string): PolledApp => ({
    ref: { namespace: 'flotilla', name },
    sources: [{ repoURL, ...(targetRevision !== undefined ? { targetRevision } : {}) }],
  });
  const apps = [
    app('main', 'https://github.com/o/r.git', 'main'),
    app('head', 'git@github.com:o/r.git', 'HEAD'),
    app('dev', 'https://github.com/o/r', 'dev'),
    app('pinned', 'https://github.com/o/r', 'a'.repeat(40)),
    app('semver', 'https://github.com/o/r', '^1.0.0'),
    app('other', 'https://github.com/o/other', 'main'),
  ];
  const names = (xs: PolledApp[]) => xs.map((a) => a.ref.name);

  it('matches the repository under any URL spelling and the pushed branch', () => {
    expect(
      names(
        appsForPush(apps, {
          repoUrls: ['https://github.com/o/r'],
          ref: 'main',
          defaultBranch: 'main',
        }),
      ),
    ).toEqual(['main', 'head']);
    expect(
      names(
        appsForPush(apps, {
          repoUrls: ['https://github.com/o/r'],
          ref: 'dev',
          defaultBranch: 'main',
        }),
      ),
    ).toEqual(['dev']);
  });

  it('tag pushes reach apps that follow tags or ranges; pinned commits are never triggered', () => {
    expect(
      names(
        appsForPush(apps, { repoUrls: ['https://github.com/o/r'], ref: 'v1.3.0', isTag: true }),
      ),
    ).toEqual(['semver']);
  });
});
