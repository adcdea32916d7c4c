import { describe, expect, it } from 'vitest';
import type { PolledApp } from '@flotilla/git';
import { PolledViews } from '../src/changes.js';

const app = (over: Partial<PolledApp> = {}): PolledApp => ({
  ref: { namespace: 'ns', name: 'a' },
  sources: [{ repoURL: 'https://git.example/r.git', targetRevision: 'main', path: 'a' }],
  ...over,
});

describe('what the poller has seen of an app', () => {
  it('counts an app as changed when new, when its sources or annotations change, and again after deletion', () => {
    const views = new PolledViews();
    expect(views.changed(app())).toBe(true);
    // A status write: the same view.
    expect(views.changed(app())).toBe(false);
    expect(
      views.changed(
        app({
          sources: [{ repoURL: 'https://git.example/r.git', targetRevision: 'v2', path: 'a' }],
        }),
      ),
    ).toBe(true);
    expect(
      views.changed(
        app({
          sources: [{ repoURL: 'https://git.example/r.git', targetRevision: 'v2', path: 'a' }],
          refresh: 'hard',
        }),
      ),
    ).toBe(true);
    views.forget({ namespace: 'ns', name: 'a' });
    expect(views.changed(app())).toBe(true);
    expect(views.changed(app({ ref: { namespace: 'ns', name: 'b' } }))).toBe(true);
  });
});
