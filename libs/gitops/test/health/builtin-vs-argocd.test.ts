// Flotilla's own checks for kinds Argo CD judges with community Lua scripts must
// reach the same status as those scripts' own tests expect, on their inputs (read
// in place from ../shared/compat). Messages are Flotilla's own, so only the
// status is compared; users who need Argo CD's exact messages load its script.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assessBuiltinHealth } from '../../src/health/index.js';
import { sharedCompat } from '../compat.js';
import { healthTestCases } from './fixtures.js';

const COMPAT = sharedCompat('argocd-resource-customizations');
const KINDS = [
  'cert-manager.io/Certificate',
  'argoproj.io/Rollout',
  'bitnami.com/SealedSecret',
  'external-secrets.io/ExternalSecret',
  'keda.sh/ScaledObject',
];

describe('built-in checks against Argo CD community tests', () => {
  it('find the community tests', () => {
    expect(existsSync(COMPAT)).toBe(true);
  });
  for (const key of KINDS) {
    if (!existsSync(join(COMPAT, key))) continue;
    describe(key, () => {
      for (const c of healthTestCases(COMPAT, key)) {
        it(`${c.inputPath} is ${c.status}`, () => {
          expect(assessBuiltinHealth(c.object)?.status).toBe(c.status);
        });
      }
    });
  }
});
