// How `flotilla app get|sync|...` read the app they name: `<name>` in the
// control namespace, `-N <ns>`, or `<ns>/<name>` as `argocd app get` takes it.
import { describe, expect, it } from 'vitest';
import { appArgument } from '../src/apps.js';
import { UsageError } from '../src/exit.js';

describe('appArgument', () => {
  it('reads a bare name in the control namespace, or in -N', () => {
    expect(appArgument('shop', { namespace: 'cd' })).toEqual({ ns: 'cd', name: 'shop' });
    expect(appArgument('shop', { namespace: 'cd', appNamespace: 'team-a' })).toEqual({
      ns: 'team-a',
      name: 'shop',
    });
  });

  it('reads <namespace>/<name>, and -N may repeat the same namespace', () => {
    expect(appArgument('team-a/shop', { namespace: 'cd' })).toEqual({ ns: 'team-a', name: 'shop' });
    expect(appArgument('team-a/shop', { appNamespace: 'team-a' })).toEqual({
      ns: 'team-a',
      name: 'shop',
    });
  });

  it('refuses a -N that disagrees, and names with an empty or extra part', () => {
    expect(() => appArgument('team-a/shop', { appNamespace: 'team-b' })).toThrow(UsageError);
    expect(() => appArgument('team-a/shop', { appNamespace: 'team-b' })).toThrow(
      'team-a/shop names namespace team-a, but -N says team-b',
    );
    for (const bad of ['/shop', 'team-a/', 'a/b/c'])
      expect(() => appArgument(bad, {}), bad).toThrow(
        'name an app as <name> or <namespace>/<name>',
      );
  });
});
