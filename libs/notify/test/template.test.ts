import { describe, expect, it } from 'vitest';
import { compileTemplate } from '../src/index.js';

const data = {
  app: {
    metadata: { name: 'web' },
    spec: { sources: [{ repoURL: 'https://a/x.git' }, { repoURL: 'https://b/y.git' }] },
    status: {
      conditions: [{ type: 'SyncError', message: 'it said "no"' }],
      sync: { status: 'Synced' },
    },
  },
  serviceType: 'slack',
};

describe('Go templates', () => {
  it.each([
    [
      'Application {{.app.metadata.name}} is {{ .app.status.sync.status }}.',
      'Application web is Synced.',
    ],
    ['{{if eq .serviceType "slack"}}:ok:{{else}}ok{{end}}', ':ok:'],
    ['{{if .app.spec.source}}one{{else if .app.spec.sources}}many{{end}}', 'many'],
    [
      '{{range $i, $s := .app.spec.sources}}{{if $i}},{{end}}{{$s.repoURL}}{{end}}',
      'https://a/x.git,https://b/y.git',
    ],
    [
      '{{range .app.status.conditions}}{{.type}}: {{js .message}}{{end}}',
      'SyncError: it said \\"no\\"',
    ],
    ['a  {{- " b " -}}  c', 'a b c'],
    ['{{with .app.metadata}}{{.name | upper}}{{end}}', 'WEB'],
    ['{{ .app.missing }}', '<no value>'],
    ['{{ default "none" .app.missing }}', 'none'],
    ['{{ printf "%s/%s" .app.metadata.name "x" }}', 'web/x'],
  ])('%s', (src, expected) => {
    expect(compileTemplate(src)(data)).toBe(expected);
  });

  it('an unknown function is an error, not empty output', () => {
    expect(() => compileTemplate('{{ nosuch .app }}')(data)).toThrow(/nosuch/);
  });
});
