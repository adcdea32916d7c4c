// A hook's delete policies, from either spelling of `hook-delete-policy` and
// from Helm's, with gitops-engine's default of BeforeHookCreation.
import {
  HookDeletePolicy,
  csv,
  dualAnnotation,
  helmDeletePolicies,
  isHookDeletePolicy,
  type KubeObject,
} from '../resource/index.js';

/**
 * The delete policies of a hook: the Argo CD (or Flotilla) ones, then Helm's,
 * duplicates removed; BeforeHookCreation when neither names a valid policy.
 */
export function deletePoliciesOf(obj: KubeObject): HookDeletePolicy[] {
  const own = csv(dualAnnotation(obj, 'HookDeletePolicy')).filter(isHookDeletePolicy);
  const policies = [...new Set([...own, ...helmDeletePolicies(obj)])];
  return policies.length > 0 ? policies : [HookDeletePolicy.BeforeHookCreation];
}
