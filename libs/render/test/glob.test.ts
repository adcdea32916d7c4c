import { describe, expect, it } from 'vitest';
import { compilePathFilter } from '../src/index.js';

describe('directory include and exclude, with Argo CD semantics', () => {
  it.each([
    // include, exclude, path, selected
    [undefined, undefined, 'a.yaml', true],
    ['*.yaml', undefined, 'a.yaml', true],
    ['*.yaml', undefined, 'a.json', false],
    // `*` crosses directories, as gobwas/glob without separators does.
    ['*.yaml', undefined, 'sub/deep/a.yaml', true],
    ['{config.json,env-usw2/*}', undefined, 'config.json', true],
    ['{config.json,env-usw2/*}', undefined, 'env-usw2/db/a.yaml', true],
    ['{config.json,env-usw2/*}', undefined, 'env-euw1/a.yaml', false],
    ['sub/*.yaml', undefined, 'sub/a.yaml', true],
    ['sub/*.yaml', undefined, 'other/a.yaml', false],
    ['[ab].yaml', undefined, 'b.yaml', true],
    ['?.yaml', undefined, 'ab.yaml', false],
    [undefined, '*-secret.yaml', 'db-secret.yaml', false],
    [undefined, '*-secret.yaml', 'db.yaml', true],
    // exclude wins over include.
    ['*.yaml', 'skip/*', 'skip/a.yaml', false],
    ['*.yaml', '{a.yaml,b.yaml}', 'b.yaml', false],
    // dotfiles match, and a leading ! is a literal, not a negation.
    ['*.yaml', undefined, '.hidden.yaml', true],
    ['!a.yaml', undefined, 'b.yaml', false],
  ] as const)('include %j exclude %j: %s → %s', (include, exclude, path, selected) => {
    expect(compilePathFilter(include, exclude)(path)).toBe(selected);
  });
});
