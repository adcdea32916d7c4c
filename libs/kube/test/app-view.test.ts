import { describe, expect, it } from 'vitest';
import type { Application } from '@flotilla/api';
import { AppView } from '../src/app-view.js';

const ref = { namespace: 'flotilla', name: 'guestbook' };
const at = (resourceVersion: string, label = ''): Application =>
  ({
    apiVersion: 'flotilla.dev/v1alpha1',
    kind: 'Application',
    metadata: { ...ref, resourceVersion, labels: { copy: label } },
    spec: {},
  }) as unknown as Application;

describe('AppView', () => {
  it("serves the watch's copy, and asks for a read when the watch has not seen the app", () => {
    const watch: { app?: Application } = {};
    const view = new AppView(() => watch.app);
    expect(view.get(ref)).toBeUndefined();
    watch.app = at('10', 'watch');
    expect(view.get(ref)).toBe(watch.app);
  });

  it('serves its own newer write until the watch delivers it', () => {
    let watched: Application | undefined = at('10', 'watch');
    const view = new AppView(() => watched);
    const own = at('12', 'own');
    view.wrote(ref, own);
    expect(view.get(ref)).toBe(own);
    watched = at('12', 'watch');
    view.delivered(watched);
    expect(view.get(ref)).toBe(watched);
    // A later write by someone else, delivered by the watch, wins over an old own write.
    view.wrote(ref, at('13', 'own'));
    watched = at('15', 'watch');
    expect(view.get(ref)).toBe(watched);
  });

  it('keeps no copy of its own write when the watch delivered that version first', () => {
    const watched = at('12', 'watch');
    const view = new AppView(() => watched);
    view.wrote(ref, at('12', 'own'));
    expect(view.get(ref)).toBe(watched);
    expect(view.get(ref, '12')).toBe(watched);
  });

  it('asks for a read when a command names a newer version than any copy', () => {
    const watched = at('10');
    const view = new AppView(() => watched);
    expect(view.get(ref, '9')).toBe(watched);
    expect(view.get(ref, '10')).toBe(watched);
    expect(view.get(ref, '11')).toBeUndefined();
    // resourceVersions that are not etcd revisions cannot be ordered: read.
    expect(view.get(ref, 'abc')).toBeUndefined();
  });

  it('asks for a read after a conflict, once', () => {
    const watched = at('10');
    const view = new AppView(() => watched);
    view.invalidate(ref);
    expect(view.get(ref)).toBeUndefined();
    view.read(ref);
    expect(view.get(ref)).toBe(watched);
  });
});
