// Compatibility with Argo CD's community health checks: every health.lua of
// ../shared/compat/argocd-resource-customizations, read in place and unchanged,
// is loaded as a user customization under its own key (as if all were pasted
// into argocd-cm), and each case of each health_test.yaml must give exactly the
// status and message Argo CD's test expects. As in Argo CD's test, the script
// is the one chosen for the input's own group and kind: an exact key before a
// wildcard one. The known failures are listed with the reason, so a check that
// starts passing or failing is noticed.
import { existsSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import {
  HealthScriptLoader,
  compileLuaHealthOptions,
  createLuaHealthRuntime,
  parseScriptKey,
  type HealthGroupKind,
  type HealthObject,
} from '../../src/health/index.js';
import { sharedCompat } from '../compat.js';
import { customizationKeys, healthTestCases, readScript } from './fixtures.js';

const COMPAT = sharedCompat('argocd-resource-customizations');

/**
 * Cases that do not give Argo CD's answer, by `<dir>/<inputPath>`, with why.
 * Keep it short and true: the test fails when a listed case passes.
 */
const KNOWN_FAILURES: Readonly<Record<string, string>> = {};

/** A directory of the compat tree as a customization key: `_` stands for `*` there. */
function keyOf(dir: string): string {
  return dir
    .split('/')
    .map((part) => part.replace(/^_(?=\.|$)/, '*'))
    .join('/');
}

function groupKindOf(obj: HealthObject): HealthGroupKind {
  const apiVersion = String(obj['apiVersion'] ?? '');
  const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.lastIndexOf('/')) : '';
  return { group, kind: String(obj['kind'] ?? '') };
}

const dirs = existsSync(COMPAT) ? customizationKeys(COMPAT) : [];
const loader = new HealthScriptLoader(
  [],
  new Map(dirs.map((dir) => [keyOf(dir), readScript(COMPAT, dir)])),
);
const lua = createLuaHealthRuntime(compileLuaHealthOptions({ isolation: 'inline' }));
afterAll(() => lua.close());

describe('Argo CD resource customizations', () => {
  it('are all found: 241 health checks', () => {
    expect(dirs).toHaveLength(241);
  });

  it('list no known failure that is not a case', () => {
    const cases = new Set(
      dirs.flatMap((dir) => healthTestCases(COMPAT, dir).map((c) => `${dir}/${c.inputPath}`)),
    );
    expect(Object.keys(KNOWN_FAILURES).filter((k) => !cases.has(k))).toEqual([]);
  });
});

for (const dir of dirs) {
  describe(dir, () => {
    const key = keyOf(dir);

    it(`has a valid customization key ${key}`, () => {
      expect(parseScriptKey(key)).toBeDefined();
    });

    for (const c of healthTestCases(COMPAT, dir)) {
      const id = `${dir}/${c.inputPath}`;
      const known = KNOWN_FAILURES[id];
      it(`${c.inputPath} is ${c.status}${c.message ? `: ${c.message}` : ''}${known ? ` (known failure: ${known})` : ''}`, async () => {
        if (c.parseError && !known) throw new Error(`${c.inputPath}: ${c.parseError}`);
        // The loader picks the script for the input's kind, as it would for a user's object.
        const script = loader.find(groupKindOf(c.object));
        const result = script ? await lua.run(script, c.object) : undefined;
        const got = { status: result?.status, message: result?.message ?? '' };
        const want = { status: c.status, message: c.message };
        if (known) expect(got).not.toEqual(want);
        else expect(got).toEqual(want);
      });
    }
  });
}
