import { join } from 'node:path';

/** Where one development control plane keeps its files (all under `<root>/.flotilla`). */
export interface ClusterLayout {
  readonly root: string;
  readonly dir: string;
  readonly kubeconfig: string;
  readonly componentKubeconfig: string;
  readonly stateFile: string;
  readonly etcdData: string;
  readonly pki: string;
  readonly logs: string;
}

/** The layout for a workspace root: state in `.flotilla/cluster`, kubeconfig at `.flotilla/kubeconfig`. */
export function clusterLayout(root: string): ClusterLayout {
  const dir = join(root, '.flotilla', 'cluster');
  return {
    root,
    dir,
    kubeconfig: join(root, '.flotilla', 'kubeconfig'),
    componentKubeconfig: join(dir, 'components.kubeconfig'),
    stateFile: join(dir, 'state.json'),
    etcdData: join(dir, 'etcd'),
    pki: join(dir, 'pki'),
    logs: join(dir, 'logs'),
  };
}
