// Argo CD's own health_test.yaml suites for the shipped customizations: each
// unchanged health.lua, on its own fixtures, must give exactly Argo CD's
// status and message.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  HEALTH_CUSTOMIZATIONS_DIR,
  HealthScriptLoader,
  compileLuaHealthOptions,
  createLuaHealthRuntime,
  parseScriptKey,
} from '../../src/health/index.js';
import { customizationKeys, healthTestCases } from './fixtures.js';

const keys = customizationKeys(HEALTH_CUSTOMIZATIONS_DIR);
const lua = createLuaHealthRuntime(compileLuaHealthOptions());
const loader = new HealthScriptLoader([HEALTH_CUSTOMIZATIONS_DIR]);
afterAll(() => lua.close());

describe('shipped customizations', () => {
  it('include cert-manager, Argo Rollouts, Sealed Secrets and KEDA', () => {
    expect(keys).toEqual([
      'argoproj.io/Rollout',
      'bitnami.com/SealedSecret',
      'cert-manager.io/Certificate',
      'keda.sh/ScaledObject',
    ]);
  });

  it('are each attributed in NOTICE.md', () => {
    const notice = readFileSync(join(HEALTH_CUSTOMIZATIONS_DIR, 'NOTICE.md'), 'utf8');
    expect(notice).toContain('Apache License, Version 2.0');
    for (const key of keys) expect(notice).toContain(`resource_customizations/${key}/`);
  });
});

for (const key of keys) {
  describe(`${key} health.lua`, () => {
    const gk = parseScriptKey(key);
    const script = gk && loader.find(gk);
    const cases = healthTestCases(HEALTH_CUSTOMIZATIONS_DIR, key);

    it('is found by the loader under its group and kind', () => {
      expect(script?.origin).toBe(join(HEALTH_CUSTOMIZATIONS_DIR, key, 'health.lua'));
      expect(cases.length).toBeGreaterThan(0);
    });

    for (const c of cases) {
      it(`${c.inputPath} is ${c.status}${c.message ? `: ${c.message}` : ''}`, async () => {
        if (!script) throw new Error(`no script for ${key}`);
        const result = await lua.run(script, c.object);
        expect({ status: result.status, message: result.message ?? '' }).toEqual({
          status: c.status,
          message: c.message,
        });
      });
    }
  });
}
