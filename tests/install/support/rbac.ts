// The rights each role's ServiceAccount holds, as `kubectl auth can-i --list`
// prints them and as the RBAC table of docs/install.md states them.

/** `resource` (as can-i prints it: `plural.group`, `*.*`) → sorted verbs. */
export type Rights = Record<string, string[]>;

/** Where a right holds: the Applications namespace, or any namespace of the managed cluster. */
export type Scope = 'applications' | 'cluster';

/** Rules every authenticated user holds (system:basic-user); they say nothing of the chart. */
const BUILT_IN = new Set([
  'selfsubjectreviews.authentication.k8s.io',
  'selfsubjectaccessreviews.authorization.k8s.io',
  'selfsubjectrulesreviews.authorization.k8s.io',
]);

/** Parses `kubectl auth can-i --list` output into rights, leaving out non-resource URLs. */
export function parseCanIList(text: string): Rights {
  const rights: Rights = {};
  for (const line of text.split('\n').slice(1)) {
    const m = /^(\S+)\s+\[[^\]]*\]\s+\[[^\]]*\]\s+\[([^\]]*)\]/.exec(line);
    if (!m || BUILT_IN.has(m[1]!)) continue;
    const verbs = new Set([...(rights[m[1]!] ?? []), ...m[2]!.split(/\s+/).filter(Boolean)]);
    rights[m[1]!] = [...verbs].sort();
  }
  return rights;
}

/**
 * Reads the RBAC table of docs/install.md: rows
 * `| role | Applications namespace or managed cluster | resource | verbs | why |`.
 * A right of the managed cluster holds in the Applications namespace too.
 */
export function parseRbacTable(markdown: string): Record<string, Record<Scope, Rights>> {
  const start = markdown.indexOf('<!-- rbac-table -->');
  const end = markdown.indexOf('<!-- /rbac-table -->');
  if (start < 0 || end < 0) throw new Error('docs/install.md has no <!-- rbac-table --> block');
  const table: Record<string, Record<Scope, Rights>> = {};
  for (const line of markdown.slice(start, end).split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    if (cells.length < 6 || !cells[1] || /^-+$|^role$/.test(cells[1])) continue;
    const [, role, where, resource, verbs] = cells as [string, string, string, string, string];
    const scope: Scope = /managed/i.test(where) ? 'cluster' : 'applications';
    const entry = (table[role.replace(/`/g, '')] ??= { applications: {}, cluster: {} });
    const list = verbs.split(/[,\s]+/).filter(Boolean);
    const key = resource.replace(/`/g, '');
    for (const s of scope === 'cluster' ? (['cluster', 'applications'] as const) : [scope]) {
      entry[s][key] = [...new Set([...(entry[s][key] ?? []), ...list])].sort();
    }
  }
  return table;
}
