import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

/** Parses a YAML file of test/testdata. */
export function testdata(name: string): Record<string, any> {
  return parse(readFileSync(join(import.meta.dirname, 'testdata', name), 'utf8')) as Record<
    string,
    any
  >;
}

// JSON has no undefined: a key set to undefined in a test means "absent".
const json = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/** A small valid Flotilla Application; `spec` is merged into its spec (undefined removes a field). */
export function application(spec: Record<string, unknown> = {}): Record<string, any> {
  return json({
    apiVersion: 'flotilla.dev/v1alpha1',
    kind: 'Application',
    metadata: { name: 'guestbook', namespace: 'flotilla' },
    spec: {
      project: 'default',
      destination: { server: 'https://kubernetes.default.svc', namespace: 'guestbook' },
      source: {
        repoURL: 'https://github.com/argoproj/argocd-example-apps',
        path: 'guestbook',
        targetRevision: 'HEAD',
      },
      ...spec,
    },
  });
}

/** A small valid Flotilla AppProject; `spec` is merged into its spec. */
export function appProject(spec: Record<string, unknown> = {}): Record<string, any> {
  return {
    apiVersion: 'flotilla.dev/v1alpha1',
    kind: 'AppProject',
    metadata: { name: 'shop', namespace: 'flotilla' },
    spec: {
      sourceRepos: ['*'],
      destinations: [{ server: '*', namespace: '*' }],
      ...spec,
    },
  };
}
