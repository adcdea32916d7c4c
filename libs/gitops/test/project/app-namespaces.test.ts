// Which namespaces' Applications are served, as Argo CD's IsNamespaceEnabled
// reads `application.namespaces`: the control namespace, globs, `/regex/`.
import { describe, expect, it } from 'vitest';
import {
  appNamespaceFilter,
  isAppNamespaceEnabled,
  servesOtherNamespaces,
} from '../../src/index.js';

const scope = (...applicationNamespaces: string[]) => ({
  namespace: 'flotilla',
  applicationNamespaces,
});

describe('isAppNamespaceEnabled', () => {
  it.each([
    // The control namespace is always served, with or without patterns.
    [[], 'flotilla', true],
    [[], 'team-a', false],
    [['team-a'], 'flotilla', true],
    [['team-a'], 'team-a', true],
    [['team-a'], 'team-b', false],
    // Globs: `*` matches any run, `?` one character, braces alternatives.
    [['team-*'], 'team-a', true],
    [['team-*'], 'teams', false],
    [['team-?'], 'team-ab', false],
    [['team-{a,b}'], 'team-b', true],
    [['team-{a,b}'], 'team-c', false],
    [['*'], 'anything', true],
    // Several entries: any one matching is enough.
    [['dev', 'staging-*'], 'staging-eu', true],
    [['dev', 'staging-*'], 'prod', false],
    // A regular expression between slashes, unanchored as in Argo CD.
    [['/^team-[0-9]+$/'], 'team-42', true],
    [['/^team-[0-9]+$/'], 'team-x', false],
    [['/prod/'], 'eu-prod-1', true],
    // A pattern that does not compile matches nothing.
    [['/([/'], 'team-a', false],
  ] as const)('%j serves %s: %s', (patterns, namespace, expected) => {
    expect(isAppNamespaceEnabled(scope(...patterns), namespace)).toBe(expected);
  });
});

describe('servesOtherNamespaces', () => {
  it('is false without patterns (a namespaced watch suffices)', () => {
    expect(servesOtherNamespaces(scope())).toBe(false);
    expect(servesOtherNamespaces(scope('team-*'))).toBe(true);
  });
});

describe('appNamespaceFilter', () => {
  it('answers as isAppNamespaceEnabled does, namespace after namespace', () => {
    const s = scope('team-*', '/^qa$/');
    const keep = appNamespaceFilter(s);
    for (const ns of ['flotilla', 'team-a', 'qa', 'qa2', 'other', 'team-a', 'other'])
      expect(keep(ns)).toBe(isAppNamespaceEnabled(s, ns));
  });
});
