import { readFile, writeFile } from 'node:fs/promises';

/** Component names in start order. */
export const COMPONENTS = [
  'etcd',
  'kube-apiserver',
  'kube-controller-manager',
  'kube-scheduler',
  'kwok',
] as const;
/** One control-plane component. */
export type Component = (typeof COMPONENTS)[number];

/** What `up` records so that `status`, `down` and the next `up` can find the cluster. */
export interface ClusterState {
  readonly version: string;
  readonly ports: { readonly etcd: number; readonly etcdPeer: number; readonly apiserver: number };
  readonly pids: Partial<Record<Component, number>>;
  readonly startedAt: string;
}

/** Reads the state file; undefined when absent or unreadable. */
export async function readState(file: string): Promise<ClusterState | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as ClusterState;
  } catch {
    return undefined;
  }
}

/** Writes the state file. */
export async function writeState(file: string, state: ClusterState): Promise<void> {
  await writeFile(file, JSON.stringify(state, null, 2) + '\n');
}
