import { describe, expect, it } from 'vitest';
import {
  canonicalSet,
  manifestCacheKey,
  memoryManifestCache,
  type CacheKeyParts,
} from '../src/index.js';

const parts: CacheKeyParts = {
  repoURL: 'https://git.example.com/apps.git',
  revision: 'a'.repeat(40),
  path: 'guestbook',
  options: { sourceType: 'Helm', tool: 'v4.1.4', source: { helm: { valueFiles: ['v.yaml'] } } },
};

describe('manifest cache keys', () => {
  it('are stable, fixed-length and prefixed', () => {
    const key = manifestCacheKey(parts);
    expect(key).toMatch(/^flotilla:manifests:[0-9a-f]{64}$/);
    expect(
      manifestCacheKey({
        ...parts,
        options: {
          source: { helm: { valueFiles: ['v.yaml'] } },
          tool: 'v4.1.4',
          sourceType: 'Helm',
        },
      }),
    ).toBe(key);
    expect(manifestCacheKey(parts, 'x:')).toMatch(/^x:/);
  });

  it.each([
    ['repository', { repoURL: 'https://git.example.com/other.git' }],
    ['commit', { revision: 'b'.repeat(40) }],
    ['path', { path: 'guestbook2' }],
    ['tool version', { options: { ...(parts.options as object), tool: 'v4.1.5' } }],
    [
      'source options',
      { options: { ...(parts.options as object), source: { helm: { valueFiles: ['w.yaml'] } } } },
    ],
  ])('change with the %s', (_what, change) => {
    expect(manifestCacheKey({ ...parts, ...change })).not.toBe(manifestCacheKey(parts));
  });

  it('do not change with credentials in the repository URL', () => {
    expect(
      manifestCacheKey({ ...parts, repoURL: 'https://bot:s3cret@git.example.com/apps.git' }),
    ).toBe(manifestCacheKey(parts));
  });
});

describe('the in-memory cache', () => {
  it('round-trips a render and refuses an entry whose hash does not match', async () => {
    const cache = memoryManifestCache();
    const { set } = canonicalSet([
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' } },
    ]);
    const entry = { sourceType: 'Directory' as const, ...set, warnings: [] };
    await cache.set('k', entry);
    expect(await cache.get('k')).toEqual(entry);
    await cache.set('bad', { ...entry, hash: 'sha256:0000' });
    expect(await cache.get('bad')).toBeUndefined();
    expect(await cache.get('missing')).toBeUndefined();
  });
});
