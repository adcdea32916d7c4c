import { describe, expect, it } from 'vitest';
import { buildEnv, envsubst } from '../src/index.js';

const env = { ARGOCD_APP_NAME: 'guestbook', ARGOCD_APP_REVISION: 'abc1234def' };

describe('Argo CD build variables', () => {
  it.each([
    ['$ARGOCD_APP_NAME', 'guestbook'],
    ['${ARGOCD_APP_NAME}-x', 'guestbook-x'],
    ['tag-$ARGOCD_APP_REVISION', 'tag-abc1234def'],
    ['$UNKNOWN', ''],
    ['pa$$word', 'pa$word'],
    ['cost: 5$', 'cost: 5$'],
    ['${', ''],
    ['${}x', 'x'],
    ['$-x', 'x'],
    ['$1', ''],
    ['no vars', 'no vars'],
  ])('%j → %j', (input, output) => {
    expect(envsubst(input, env)).toBe(output);
  });

  it('offers the application, revision and source', () => {
    const e = buildEnv({
      appName: 'guestbook',
      namespace: 'prod',
      repoDir: '/x',
      revision: '0123456789abcdef',
      source: {
        repoURL: 'https://user:secret@git.example.com/repo.git',
        path: 'apps/guestbook',
        targetRevision: 'main',
      },
    });
    expect(e).toEqual({
      ARGOCD_APP_NAME: 'guestbook',
      ARGOCD_APP_NAMESPACE: 'prod',
      ARGOCD_APP_REVISION: '0123456789abcdef',
      ARGOCD_APP_REVISION_SHORT: '0123456',
      ARGOCD_APP_SOURCE_REPO_URL: 'https://git.example.com/repo.git',
      ARGOCD_APP_SOURCE_PATH: 'apps/guestbook',
      ARGOCD_APP_SOURCE_TARGET_REVISION: 'main',
    });
  });
});
