import { describe, expect, it } from 'vitest';
import { parseCanIList, parseRbacTable } from './rbac.js';

describe('reading rights', () => {
  it('parses kubectl auth can-i --list, leaving out what every user holds', () => {
    const out = `Resources                                       Non-Resource URLs   Resource Names   Verbs
selfsubjectreviews.authentication.k8s.io        []                  []               [create]
applications.flotilla.dev                       []                  []               [get list watch patch]
secrets                                         []                  []               [list]
*.*                                             []                  []               [get list]
                                                [/api/*]            []               [get]
`;
    expect(parseCanIList(out)).toEqual({
      'applications.flotilla.dev': ['get', 'list', 'patch', 'watch'],
      secrets: ['list'],
      '*.*': ['get', 'list'],
    });
  });

  it('reads the docs table, a managed-cluster right holding in the Applications namespace too', () => {
    const md = `<!-- rbac-table -->
| role | where | resource | verbs | why |
| --- | --- | --- | --- | --- |
| \`differ\` | Applications namespace | \`secrets\` | list | cluster Secrets |
| \`differ\` | managed cluster | \`*.*\` | get, list | live state |
<!-- /rbac-table -->`;
    expect(parseRbacTable(md)).toEqual({
      differ: {
        applications: { secrets: ['list'], '*.*': ['get', 'list'] },
        cluster: { '*.*': ['get', 'list'] },
      },
    });
  });
});
