/**
 * The help line of each top-level command, apart from the commands' modules
 * so `flotilla --help` lists them all without loading any.
 */
export const SUMMARIES = {
  start:
    'the local quick start: provision tools, use or start NATS, Redis and a control plane, then run every role',
  up: 'run every role in one process against the configured NATS, Redis and cluster',
  run: 'run chosen roles in one process, so they scale separately (git-poller, renderer, differ, applier, hook-runner, appset, notifier)',
  app: 'inspect and operate Applications',
  proj: 'AppProjects: what apps may deploy, from where, to where',
  appset: 'ApplicationSets: list, get, create -f, delete',
  events: 'the event log (CloudEvents on NATS)',
  kubectl: "the provisioned kubectl, on Flotilla's cluster (args and exit code passed through)",
  cluster: 'destination clusters: in-cluster and those of cluster Secrets, reachable or not',
  install:
    'install or upgrade Flotilla in a cluster from its Helm chart (no Helm needed), least-privilege RBAC included',
  uninstall: 'remove the release `flotilla install` made (CRDs and Applications stay)',
  dev: 'local development environment: tools and control plane',
} as const;

/** The help line of a top-level command, so its module and `--help` say the same. */
export const summaryOf = (name: keyof typeof SUMMARIES): string => SUMMARIES[name];

/** What `--help` says of the kubeconfig default. */
export const KUBECONFIG_HELP =
  'kubeconfig (default KUBECONFIG, then .flotilla/kubeconfig of this checkout when the local control plane wrote one, then in-cluster)';

/** The cluster section of `flotilla --help`. */
export const CLUSTER_HELP = `
Cluster:
  Commands that talk to Kubernetes use --kubeconfig, then KUBECONFIG, then
  .flotilla/kubeconfig of this checkout (written by \`npm start\` and
  \`flotilla dev cluster up\` for the local control plane), then in-cluster
  credentials. \`flotilla kubectl ...\` runs the provisioned kubectl on it.`;
