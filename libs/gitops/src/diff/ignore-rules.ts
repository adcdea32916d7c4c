// Which ignoreDifferences entries apply to a resource, merged into one set as
// Argo CD merges them.
import type { ResourceIgnoreDifferences } from '@flotilla/api';
import type { ResourceKey } from '@flotilla/contracts';

/** The ignore rules in force for one resource. */
export interface IgnoreRuleSet {
  readonly jsonPointers: readonly string[];
  readonly jqPathExpressions: readonly string[];
  readonly managedFieldsManagers: readonly string[];
}

/** No rules. */
export const NO_IGNORE_RULES: IgnoreRuleSet = {
  jsonPointers: [],
  jqPathExpressions: [],
  managedFieldsManagers: [],
};

const globCache = new Map<string, RegExp>();

/** Argo CD's glob for group and kind: `*` is any run, `?` any one character. */
export function globMatch(pattern: string, value: string): boolean {
  if (!pattern.includes('*') && !pattern.includes('?')) return pattern === value;
  let re = globCache.get(pattern);
  if (!re) {
    const body = [...pattern]
      .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[\\^$.|+()[\]{}]/g, '\\$&')))
      .join('');
    re = new RegExp(`^${body}$`, 's');
    if (globCache.size < 1000) globCache.set(pattern, re);
  }
  return re.test(value);
}

/**
 * The union of every entry matching the resource. An entry matches by group
 * and kind (globs; an omitted group is the core group ''), and by name and
 * namespace when it gives them.
 */
export function matchIgnoreRules(
  rules: readonly ResourceIgnoreDifferences[],
  key: ResourceKey,
): IgnoreRuleSet {
  const jsonPointers = new Set<string>();
  const jqPathExpressions = new Set<string>();
  const managers = new Set<string>();
  for (const rule of rules) {
    if (!globMatch(rule.group ?? '', key.group) || !globMatch(rule.kind, key.kind)) continue;
    if (rule.name && rule.name !== key.name) continue;
    if (rule.namespace && rule.namespace !== key.namespace) continue;
    for (const p of rule.jsonPointers ?? []) jsonPointers.add(p);
    for (const e of rule.jqPathExpressions ?? []) jqPathExpressions.add(e);
    for (const m of rule.managedFieldsManagers ?? []) managers.add(m);
  }
  return {
    jsonPointers: [...jsonPointers],
    jqPathExpressions: [...jqPathExpressions],
    managedFieldsManagers: [...managers],
  };
}
