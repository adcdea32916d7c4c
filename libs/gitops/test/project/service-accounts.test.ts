// destinationServiceAccounts: the first entry whose server and namespace globs
// match names the ServiceAccount a sync impersonates.
import { describe, expect, it } from 'vitest';
import { destinationServiceAccount, type ProjectSpec } from '../../src/index.js';

const project = (spec: ProjectSpec) => ({ name: 'team', spec });
const dest = (server: string, namespace: string) => ({ server, namespace });

describe('destinationServiceAccount', () => {
  const spec: ProjectSpec = {
    destinationServiceAccounts: [
      {
        server: 'https://kubernetes.default.svc',
        namespace: 'team-*',
        defaultServiceAccount: 'deployer',
      },
      { server: 'https://*.example.com', namespace: '*', defaultServiceAccount: 'ops:sync' },
    ],
  };

  it('refuses when the project lists none, as Argo CD does with impersonation on', () => {
    const { user, denial } = destinationServiceAccount(project({}), dest('https://x', 'a'));
    expect(user).toBeUndefined();
    expect(denial?.message).toContain('lists no destinationServiceAccounts');
    expect(denial?.message).toContain("namespace 'a'");
  });

  it('takes the first match; a bare name lives in the destination namespace', () => {
    expect(
      destinationServiceAccount(project(spec), dest('https://kubernetes.default.svc', 'team-a')),
    ).toEqual({
      user: 'system:serviceaccount:team-a:deployer',
    });
    expect(
      destinationServiceAccount(project(spec), dest('https://prod.example.com', 'team-a')),
    ).toEqual({
      user: 'system:serviceaccount:ops:sync',
    });
  });

  it('refuses a destination no entry matches, naming it', () => {
    const { user, denial } = destinationServiceAccount(
      project(spec),
      dest('https://kubernetes.default.svc', 'other'),
    );
    expect(user).toBeUndefined();
    expect(denial?.rule).toBe('destinationServiceAccounts');
    expect(denial?.message).toContain(
      "server 'https://kubernetes.default.svc' and namespace 'other'",
    );
  });
});
