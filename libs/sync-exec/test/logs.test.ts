// Which log belongs to a hook, and how the answer is read; fetching it needs
// an apiserver (live.int.test.ts).
import { describe, expect, it } from 'vitest';
import { hookLogSource, logText, newestPodName } from '../src/index.js';

const key = (group: string, kind: string, name = 'migrate') => ({
  group,
  kind,
  namespace: 'shop',
  name,
});

describe('hookLogSource', () => {
  it('reads a Pod hook’s own log', () => {
    expect(hookLogSource(key('', 'Pod'))).toEqual({ pod: 'migrate' });
  });

  it('reads the pods of a Job hook by the label the Job controller sets', () => {
    expect(hookLogSource(key('batch', 'Job', 'schema-up'))).toEqual({
      jobPodSelector: 'batch.kubernetes.io/job-name=schema-up',
    });
  });

  it.each([
    ['a Deployment', key('apps', 'Deployment')],
    ['a Job of another group', key('example.com', 'Job')],
    ['a Pod of another group', key('example.com', 'Pod')],
  ])('has none for %s', (_, k) => {
    expect(hookLogSource(k)).toBeUndefined();
  });
});

describe('newestPodName', () => {
  it('picks the last attempt of a Job', () => {
    expect(
      newestPodName({
        items: [
          { metadata: { name: 'first', creationTimestamp: '2026-12-01T10:00:00Z' } },
          { metadata: { name: 'retry', creationTimestamp: '2026-12-01T10:02:00Z' } },
          { metadata: { name: 'second', creationTimestamp: '2026-12-01T10:01:00Z' } },
        ],
      }),
    ).toBe('retry');
  });

  it('has none for a Job without pods', () => {
    expect(newestPodName({ items: [] })).toBeUndefined();
    expect(newestPodName({})).toBeUndefined();
  });
});

describe('logText', () => {
  it('keeps text and drops an empty or non-text answer', () => {
    expect(logText('line 1\nline 2\n')).toBe('line 1\nline 2\n');
    expect(logText('')).toBeUndefined();
    expect(logText({ kind: 'Status' })).toBeUndefined();
    expect(logText(undefined)).toBeUndefined();
  });
});
