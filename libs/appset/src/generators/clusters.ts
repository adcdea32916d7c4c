import type { LabelSelector } from '@flotilla/api';
import { sanitizeName, type Params } from '../params.js';
import { matchesSelector } from '../selector.js';
import { IN_CLUSTER_NAME, IN_CLUSTER_SERVER, type ClusterInfo } from './context.js';

type ClustersSpec = { selector?: LabelSelector; flatList?: boolean };

const hasTerms = (s?: LabelSelector) =>
  Object.keys(s?.matchLabels ?? {}).length > 0 || (s?.matchExpressions ?? []).length > 0;

/**
 * The clusters generator: one set per registered cluster matching the
 * selector, plus the cluster Flotilla runs in when no selector is given and
 * no Secret registers it (Argo CD's in-cluster). `flatList` gives one set
 * with every cluster under `clusters`.
 */
export function clusterParams(
  spec: ClustersSpec,
  clusters: readonly ClusterInfo[],
  goTemplate: boolean,
): Params[] {
  const byName = new Map<string, ClusterInfo>();
  for (const c of clusters) if (matchesSelector(spec.selector, c.labels)) byName.set(c.name, c);
  const out: Params[] = [...byName.values()]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((c) => clusterSet(c, goTemplate));
  if (!hasTerms(spec.selector) && !clusters.some((c) => c.server === IN_CLUSTER_SERVER)) {
    out.push({
      name: IN_CLUSTER_NAME,
      nameNormalized: IN_CLUSTER_NAME,
      server: IN_CLUSTER_SERVER,
      project: '',
    });
  }
  return spec.flatList ? [{ clusters: out }] : out;
}

function clusterSet(c: ClusterInfo, goTemplate: boolean): Params {
  const p: Params = {
    name: c.name,
    nameNormalized: sanitizeName(c.name),
    server: c.server,
    project: c.project ?? '',
  };
  if (goTemplate) {
    const meta: Params = {};
    if (Object.keys(c.annotations).length > 0) meta['annotations'] = { ...c.annotations };
    if (Object.keys(c.labels).length > 0) meta['labels'] = { ...c.labels };
    p['metadata'] = meta;
  } else {
    for (const [k, v] of Object.entries(c.annotations)) p[`metadata.annotations.${k}`] = v;
    for (const [k, v] of Object.entries(c.labels)) p[`metadata.labels.${k}`] = v;
  }
  return p;
}
