import { describe, expect, it } from 'vitest';
import { parseYamlStream } from '../src/index.js';

const values = (text: string) => parseYamlStream(text, 'f.yaml', 100).documents.map((d) => d.value);

describe('YAML as Kubernetes reads it', () => {
  it('uses YAML 1.1 scalars, without timestamps or sexagesimal numbers', () => {
    expect(values('a: yes\nb: on\nc: 0755\nd: 12:30\ne: 2024-01-02\nf: "yes"\ng: ~\n')).toEqual([
      { a: true, b: true, c: 493, d: '12:30', e: '2024-01-02', f: 'yes', g: null },
    ]);
  });

  it('lets the last of duplicate keys win, as go-yaml does', () => {
    expect(values('a: 1\na: 2\n')).toEqual([{ a: 2 }]);
  });

  it('skips empty documents and keeps positions', () => {
    const { documents } = parseYamlStream(
      '---\n---\na: 1\n---\n# only a comment\n---\nb: 2\n',
      'f.yaml',
      100,
    );
    expect(documents.map((d) => [d.value, d.line])).toEqual([
      [{ a: 1 }, 3],
      [{ b: 2 }, 7],
    ]);
  });

  it('reports a syntax error with its file and line, keeping the documents before it', () => {
    const { documents, error } = parseYamlStream(
      'a: 1\n---\nb: 2\nc: [1\nd: 3\n',
      'apps/x.yaml',
      100,
    );
    expect(documents).toHaveLength(1);
    expect(error?.code).toBe('InvalidYAML');
    expect(error?.file).toBe('apps/x.yaml');
    expect(error?.message).toMatch(/^apps\/x\.yaml:\d+: /);
    expect(error?.line).toBeGreaterThanOrEqual(4);
  });

  it('stops an alias bomb', () => {
    const bomb = [
      'a: &a ["x","x","x","x","x","x","x","x","x"]',
      'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]',
      'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]',
      'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]',
      'e: [*d,*d,*d,*d,*d,*d,*d,*d,*d]',
    ].join('\n');
    const { error } = parseYamlStream(bomb, 'bomb.yaml', 100);
    expect(error?.code).toBe('TooLarge');
    expect(error?.message).toMatch(/bomb\.yaml:1: YAML aliases expand more than 100 times/);
  });

  it('still allows a few aliases', () => {
    expect(values('a: &x {k: v}\nb: *x\n')).toEqual([{ a: { k: 'v' }, b: { k: 'v' } }]);
  });
});
