import { redactMessage } from './sanitize.js';
import type { RenderRequest } from './types.js';

/** Build variables a source may reference as `$VAR` or `${VAR}`, by name. */
export type BuildEnv = Readonly<Record<string, string>>;

/**
 * The variables Argo CD offers to Helm parameters, value file paths and
 * Kustomize images and labels: `ARGOCD_APP_NAME`, `ARGOCD_APP_NAMESPACE`,
 * `ARGOCD_APP_REVISION`, `ARGOCD_APP_REVISION_SHORT`,
 * `ARGOCD_APP_SOURCE_REPO_URL`, `ARGOCD_APP_SOURCE_PATH` and
 * `ARGOCD_APP_SOURCE_TARGET_REVISION`.
 */
export function buildEnv(request: RenderRequest): BuildEnv {
  return {
    ARGOCD_APP_NAME: request.appName,
    ARGOCD_APP_NAMESPACE: request.namespace ?? '',
    ARGOCD_APP_REVISION: request.revision,
    ARGOCD_APP_REVISION_SHORT: request.revision.slice(0, 7),
    ARGOCD_APP_SOURCE_REPO_URL: redactMessage(request.source.repoURL),
    ARGOCD_APP_SOURCE_PATH: request.source.path ?? '',
    ARGOCD_APP_SOURCE_TARGET_REVISION: request.source.targetRevision ?? '',
  };
}

const SPECIAL = '*#$@!?-0123456789';
const NAME_CHAR = /[A-Za-z0-9_]/;

// Go's os.Expand: `${name}`, `$name`, the one-character special names, and
// malformed `${` swallowed; here `$$` gives `$`, as in Argo CD.
function shellName(s: string): { name: string; width: number } {
  if (s[0] === '{') {
    if (s.length > 2 && SPECIAL.includes(s[1]!) && s[2] === '}') return { name: s[1]!, width: 3 };
    const close = s.indexOf('}');
    if (close < 0) return { name: '', width: 1 };
    if (close === 1) return { name: '', width: 2 };
    return { name: s.slice(1, close), width: close + 1 };
  }
  if (s[0] !== undefined && SPECIAL.includes(s[0])) return { name: s[0], width: 1 };
  let i = 0;
  while (i < s.length && NAME_CHAR.test(s[i]!)) i++;
  return { name: s.slice(0, i), width: i };
}

/**
 * Expands `$VAR` and `${VAR}` in `text` from `env` exactly as Argo CD's
 * `Env.Envsubst` does: unknown names become empty and `$$` is a literal `$`.
 */
export function envsubst(text: string, env: BuildEnv): string {
  let out = '';
  let start = 0;
  for (let j = 0; j < text.length; j++) {
    if (text[j] !== '$' || j + 1 >= text.length) continue;
    out += text.slice(start, j);
    const { name, width } = shellName(text.slice(j + 1));
    if (name === '' && width === 0) out += '$';
    else if (name === '$') out += '$';
    else if (name !== '') out += env[name] ?? '';
    j += width;
    start = j + 1;
  }
  return out + text.slice(start);
}
