import { readdir, readFile, realpath } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { checkRepoPath, type ClusterInfo, type GitTreeView } from '@flotilla/appset';
import { resolveRevision, stripCredentials, type GitClient } from '@flotilla/git';
import { ApiError, CLUSTER_SECRET_SELECTORS, rawRequest } from '@flotilla/kube';
import type { KubeAccess } from '@flotilla/kube';

type SecretLike = {
  metadata?: {
    name?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  data?: Record<string, string>;
};

const decode = (v: string | undefined) =>
  v === undefined ? undefined : Buffer.from(v, 'base64').toString('utf8');

/** The Secrets of a namespace matching any of the label selectors. */
async function listSecrets(
  kc: KubeAccess,
  namespace: string,
  selectors: readonly string[],
): Promise<SecretLike[]> {
  const lists = await Promise.all(
    selectors.map((labelSelector) =>
      rawRequest<{ items: SecretLike[] }>(kc, {
        method: 'GET',
        path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets`,
        query: { labelSelector },
      }),
    ),
  );
  return lists.flatMap((l) => l.items);
}

/** Registered clusters, from the cluster Secrets of the control namespace (never their credentials). */
export async function listClusters(kc: KubeAccess, namespace: string): Promise<ClusterInfo[]> {
  const secrets = await listSecrets(kc, namespace, CLUSTER_SECRET_SELECTORS);
  const seen = new Set<string>();
  const out: ClusterInfo[] = [];
  for (const s of secrets) {
    const server = decode(s.data?.['server']);
    if (!server || seen.has(s.metadata?.name ?? server)) continue;
    seen.add(s.metadata?.name ?? server);
    const project = decode(s.data?.['project']);
    out.push({
      name: decode(s.data?.['name']) ?? s.metadata?.name ?? server,
      server,
      ...(project ? { project } : {}),
      labels: s.metadata?.labels ?? {},
      annotations: s.metadata?.annotations ?? {},
    });
  }
  return out;
}

async function walk(root: string): Promise<{ dirs: string[]; files: string[] }> {
  const dirs: string[] = [];
  const files: string[] = [];
  const visit = async (dir: string, hidden: boolean) => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      const rel = relative(root, join(dir, e.name)).split(sep).join('/');
      if (e.isDirectory()) {
        const h = hidden || e.name.startsWith('.');
        if (!h) dirs.push(rel);
        await visit(join(dir, e.name), h);
      } else files.push(rel);
    }
  };
  await visit(root, false);
  return { dirs: dirs.sort(), files: files.sort() };
}

/**
 * Git trees for the Git generator, read from the shared per-commit export of
 * `libs/git`: one refs listing and, per commit, one export, reused by every
 * set that reads that commit.
 */
export class GitTrees {
  constructor(private readonly git: GitClient) {}

  async tree(repoURL: string, revision: string): Promise<GitTreeView> {
    // Messages name the repository without any credentials in its URL.
    const sha = resolveRevision(
      await this.git.lsRemote(repoURL),
      revision,
      stripCredentials(repoURL),
    );
    const lease = await this.git.tree(repoURL, sha);
    try {
      const root = await realpath(lease.dir);
      const { dirs, files } = await walk(root);
      // A symlink that leads out of the tree is refused.
      const read = async (path: string) => {
        checkRepoPath(path);
        const real = await realpath(join(root, path));
        if (real !== root && !real.startsWith(`${root}${sep}`))
          throw new Error(`path ${JSON.stringify(path)} escapes the repository`);
        return readFile(real, 'utf8');
      };
      return { sha, directories: dirs, files, read };
    } finally {
      // The export never changes and is only removed after a day unused, so
      // the generator's reads right after this are safe without the lease.
      lease.release();
    }
  }
}

/** The label value that marks a Secret as SCM credentials (Argo CD's `scm-creds`). */
export const SCM_CREDS_TYPE = 'scm-creds';
const SECRET_TYPE_LABELS = ['argocd.argoproj.io/secret-type', 'flotilla.dev/secret-type'];

/**
 * The decoded data of a Secret of `namespace`, for an SCM provider's
 * credentials. It is listed by name (the role may list Secrets, not get
 * them). With `strict`, only a Secret labelled `secret-type: scm-creds` may
 * be read, as Argo CD's tokenRefStrictMode. Messages name the Secret, never
 * a value.
 */
export async function readSecret(
  kc: KubeAccess,
  namespace: string,
  name: string,
  strict = false,
): Promise<Record<string, string>> {
  const list = await rawRequest<{ items: SecretLike[] }>(kc, {
    method: 'GET',
    path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets`,
    query: { fieldSelector: `metadata.name=${name}` },
  });
  const secret = list.items.find((s) => s.metadata?.name === name);
  if (!secret) throw new Error(`error fetching secret ${namespace}/${name}: not found`);
  const labels = secret.metadata?.labels ?? {};
  if (strict && !SECRET_TYPE_LABELS.some((l) => labels[l] === SCM_CREDS_TYPE))
    throw new Error(
      `secret ${namespace}/${name} is not a valid SCM creds secret: it must have the label ${SECRET_TYPE_LABELS[0]}=${SCM_CREDS_TYPE}`,
    );
  return Object.fromEntries(
    Object.entries(secret.data ?? {}).map(([k, v]) => [k, decode(v) ?? '']),
  );
}

/** One key of a ConfigMap of `namespace` (an SCM provider's CA certificates). */
export async function readConfigMapKey(
  kc: KubeAccess,
  namespace: string,
  name: string,
  key: string,
): Promise<string> {
  let cm: { data?: Record<string, string> };
  try {
    cm = await rawRequest(kc, {
      method: 'GET',
      path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/configmaps/${encodeURIComponent(name)}`,
    });
  } catch (err) {
    if (err instanceof ApiError && err.status === 404)
      throw new Error(`configmap ${namespace}/${name} not found`, { cause: err });
    throw err;
  }
  const value = cm.data?.[key];
  if (value === undefined)
    throw new Error(`key ${key} not found in ConfigMap ${namespace}/${name}`);
  return value;
}
