import { describe, expect, it } from 'vitest';
import { fastRender, fastReplace, flatten, goString, sanitizeName } from '../src/index.js';

describe('the {{param}} dialect (Argo CD’s fasttemplate)', () => {
  const params = { cluster: 'dev', 'path.basename': 'guestbook', n: 3 as unknown, ' sp ': 'x' };

  it.each([
    ['{{cluster}}-app', 'dev-app'],
    ['{{ cluster }}-app', 'dev-app'],
    ['{{path.basename}}', 'guestbook'],
    ['plain', 'plain'],
    ['{{missing}}-{{cluster}}', '{{missing}}-dev'],
    ['{{n}}', '{{n}}'],
    ['{{}}', '{{}}'],
    ['{{ }}x', '{{ }}x'],
    ['a{{cluster}}b{{cluster}}c', 'adevbdevc'],
    ['{{.cluster}}', '{{.cluster}}'],
    ['{{cluster}}}', 'dev}'],
    ['{{{cluster}}', '{{{cluster}}'],
  ])('%s → %s', (tmpl, want) => {
    expect(fastReplace(tmpl, params)).toBe(want);
  });

  it('rejects a tag that never closes, when the string is templated', () => {
    expect(() => fastReplace('{{cluster}} {{oops', params)).toThrow(/cannot find end tag/);
    expect(fastReplace('{{oops', params)).toBe('{{oops');
  });

  it('leaves a tag spanning lines alone, as Argo CD’s one-line check does', () => {
    expect(fastReplace('{{clu\nster}}', params)).toBe('{{clu\nster}}');
  });

  it('renders strings and keys of a whole tree, keeping other values and dropping nulls', () => {
    const tree = {
      metadata: { name: '{{cluster}}', labels: { '{{cluster}}': 'yes' } },
      spec: { replicas: 2, auto: true, list: ['{{cluster}}', 1, null], gone: null },
    };
    expect(fastRender(tree, params)).toEqual({
      metadata: { name: 'dev', labels: { dev: 'yes' } },
      spec: { replicas: 2, auto: true, list: ['dev', 1, null] },
    });
  });
});

describe('parameter helpers', () => {
  it('formats values as Go’s %v', () => {
    expect(goString(3)).toBe('3');
    expect(goString(1.5)).toBe('1.5');
    expect(goString(true)).toBe('true');
    expect(goString(null)).toBe('<nil>');
    expect(goString(['a', 1])).toBe('[a 1]');
    expect(goString({ b: 1, a: 'x' })).toBe('map[a:x b:1]');
  });

  it('flattens nested objects and lists into dotted keys', () => {
    expect(flatten({ a: { b: 'c', n: 1 }, l: ['x', { y: true }], top: 'v' })).toEqual({
      'a.b': 'c',
      'a.n': '1',
      'l.0': 'x',
      'l.1.y': 'true',
      top: 'v',
    });
  });

  it('normalizes names as Argo CD does', () => {
    expect(sanitizeName('My_Cluster.Prod-')).toBe('my-cluster.prod');
    expect(sanitizeName('-.x.-')).toBe('x');
    expect(sanitizeName('a'.repeat(300))).toHaveLength(253);
  });
});
