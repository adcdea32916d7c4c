import { describe, expect, it } from 'vitest';
import { isRenderError, parseIndex, pickVersion } from '../src/index.js';

const versions = ['0.9.0', '1.0.0', '1.2.0', '1.2.7', '2.0.0-rc.1', 'v1.3.0'];

describe('pickVersion', () => {
  it.each([
    ['1.2.0', '1.2.0'],
    ['1.2.*', '1.2.7'],
    ['>=1.0 <1.2', '1.0.0'],
    ['^1', 'v1.3.0'],
    ['', 'v1.3.0'],
    ['*', 'v1.3.0'],
    ['1.3.0', 'v1.3.0'],
    ['>=2.0.0-0', '2.0.0-rc.1'],
  ])('%s → %s', (wanted, picked) => {
    expect(pickVersion(versions, wanted, 'chart x')).toBe(picked);
  });

  it.each([
    ['3.0.0', /chart x has no version 3\.0\.0 \(it has /],
    ['~5.1', /no version matching "~5\.1"/],
    ['main', /neither a version in the repository nor a semver constraint/],
  ])('%s is ChartNotFound', (wanted, message) => {
    let err: unknown;
    try {
      pickVersion(versions, wanted, 'chart x');
    } catch (e) {
      err = e;
    }
    expect(isRenderError(err, 'ChartNotFound')).toBe(true);
    expect((err as Error).message).toMatch(message);
  });
});

describe('parseIndex', () => {
  it('reads entries with versions, urls and digests', () => {
    const index = parseIndex(
      'apiVersion: v1\nentries:\n  a:\n  - version: 1.0.0\n    urls: [a-1.0.0.tgz]\n    digest: abc\n',
      'index',
      100,
    );
    expect(index.get('a')).toEqual([{ version: '1.0.0', urls: ['a-1.0.0.tgz'], digest: 'abc' }]);
  });

  it.each(['<html>\n  : : [', 'just a string', 'apiVersion: v1\n'])('refuses %j', (text) => {
    expect(() => parseIndex(text, 'index', 100)).toThrow(/index is not/);
  });
});
