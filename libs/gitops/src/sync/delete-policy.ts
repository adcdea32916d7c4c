// A hook's delete policies, from either spelling of `hook-delete-policy` and
// from Helm's, with gitops-engine's default of BeforeHookCreation.
import { csv, dualAnnotation } from './annotations.js';
import { helmDeletePolicies } from './helm.js';
import { HookDeletePolicy, isHookDeletePolicy } from './hook-types.js';
import type { SyncObject } from './object.js';

/**
 * The delete policies of a hook: the Argo CD (or Flotilla) ones, then Helm's,
 * duplicates removed; BeforeHookCreation when neither names a valid policy.
 */
export function deletePoliciesOf(obj: SyncObject): HookDeletePolicy[] {
  const own = csv(dualAnnotation(obj, 'HookDeletePolicy')).filter(isHookDeletePolicy);
  const policies = [...new Set([...own, ...helmDeletePolicies(obj)])];
  return policies.length > 0 ? policies : [HookDeletePolicy.BeforeHookCreation];
}
