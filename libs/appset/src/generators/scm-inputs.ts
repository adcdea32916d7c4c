import { isObject } from '../params.js';
import type { BasicCredentials } from '../scm/calls.js';
import { githubAppFrom, githubAppToken } from '../scm/github-app.js';
import type { ScmHttpOptions } from '../scm/http.js';
import type { GeneratorContext } from './context.js';

// Inputs the SCM generators (pullRequest, scmProvider) share: fields,
// credentials from Secrets, TLS, patterns.

type Gen = Record<string, unknown>;

/** Time allowed for one answer of a provider's API when the context sets none. */
export const DEFAULT_SCM_TIMEOUT_MS = 30_000;

/** A string field of `o` (at `at`), '' when optional and unset. */
export function text(o: Gen, field: string, at: string, required: boolean): string {
  const v = o[field];
  if (v === undefined || v === null || v === '') {
    if (required) throw new Error(`${at}.${field} is required`);
    return '';
  }
  if (typeof v !== 'string') throw new Error(`${at}.${field} must be a string`);
  return v;
}

/** The `api` field: an http(s) URL, or '' when optional and unset. */
export function apiUrl(o: Gen, at: string, required: boolean): string {
  const v = text(o, 'api', at, required);
  if (!v) return v;
  let u: URL | undefined;
  try {
    u = new URL(v);
  } catch {
    u = undefined;
  }
  if (!u || (u.protocol !== 'https:' && u.protocol !== 'http:'))
    throw new Error(`${at}.api must be an http(s) URL`);
  return v;
}

/** A list-of-strings field of `o` (at `at`), [] when unset. */
export function strings(o: Gen, field: string, at: string): string[] {
  const v = o[field];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string'))
    throw new Error(`${at}.${field} must be a list of strings`);
  return v as string[];
}

/** A `{secretName, key}` reference read from the set's namespace; '' when not set. */
export async function secretRef(
  ref: unknown,
  where: string,
  ctx: GeneratorContext,
): Promise<string> {
  if (ref === undefined || ref === null) return '';
  if (!isObject(ref) || typeof ref['secretName'] !== 'string' || typeof ref['key'] !== 'string')
    throw new Error(`${where} must be {secretName, key}`);
  const data = await secretData(ref['secretName'], where, ctx);
  const value = data[ref['key']];
  if (value === undefined)
    throw new Error(`${where}: key "${ref['key']}" in secret ${ref['secretName']} not found`);
  return value;
}

/** The data of a Secret of the set's namespace. */
export async function secretData(
  name: string,
  where: string,
  ctx: GeneratorContext,
): Promise<Readonly<Record<string, string>>> {
  if (!ctx.secret) throw new Error(`${where}: this controller was given no way to read Secrets`);
  return ctx.secret(name);
}

/** Extra CA certificates from a `{configMapName, key}` reference. */
async function caRef(
  ref: unknown,
  where: string,
  ctx: GeneratorContext,
): Promise<string | undefined> {
  if (ref === undefined || ref === null) return undefined;
  if (!isObject(ref) || typeof ref['configMapName'] !== 'string' || typeof ref['key'] !== 'string')
    throw new Error(`${where} must be {configMapName, key}`);
  if (!ctx.configMapKey)
    throw new Error(`${where}: this controller was given no way to read ConfigMaps`);
  return ctx.configMapKey(ref['configMapName'], ref['key']);
}

/** How to reach a provider: timeout, `caRef` and root CAs, `insecure`. */
export async function httpOf(p: Gen, at: string, ctx: GeneratorContext): Promise<ScmHttpOptions> {
  const ca = await caRef(p['caRef'], `${at}.caRef`, ctx);
  const extra = [ctx.scmRootCa, ca].filter((c): c is string => !!c);
  return {
    timeoutMs: ctx.scmTimeoutMs ?? DEFAULT_SCM_TIMEOUT_MS,
    ...(extra.length ? { ca: extra.join('\n') } : {}),
    ...(p['insecure'] === true ? { insecure: true } : {}),
    ...(ctx.scmRateLimits ? { limits: ctx.scmRateLimits } : {}),
  };
}

/** Go's inline flags at the start of a pattern (`(?i)`), as JavaScript flags. */
export function goRegExp(pattern: string, field: string): RegExp {
  const m = /^\(\?([a-zA-Z]+)\)/.exec(pattern);
  const flags = m?.[1] ?? '';
  try {
    if ([...flags].some((f) => !'ims'.includes(f)))
      throw new Error(`flag ${flags} is not supported`);
    return new RegExp(m ? pattern.slice(m[0].length) : pattern, flags);
  } catch (e) {
    throw new Error(
      `error compiling ${field} regexp ${JSON.stringify(pattern)}: ${(e as Error).message}`,
      {
        cause: e,
      },
    );
  }
}

/**
 * The token a GitHub mode reads with: an installation token of the GitHub
 * App `appSecretName` names (used first, as in Argo CD), else `tokenRef`'s.
 * `api` falls back to the app's Enterprise URL.
 */
export async function githubAuth(
  p: Gen,
  at: string,
  owner: string,
  http: ScmHttpOptions,
  ctx: GeneratorContext,
): Promise<{ token: string; api: string }> {
  const api = apiUrl(p, at, false);
  const appSecret = text(p, 'appSecretName', at, false);
  if (!appSecret) return { token: await secretRef(p['tokenRef'], `${at}.tokenRef`, ctx), api };
  const app = githubAppFrom(await secretData(appSecret, `${at}.appSecretName`, ctx), appSecret);
  return {
    token: await githubAppToken(app, owner, api, http),
    api: api || (app.enterpriseBaseUrl ?? ''),
  };
}

/**
 * Bitbucket's (Server or Cloud) credentials: `bearerToken.tokenRef` when
 * set (used first, as in Argo CD), else `basicAuth` (`username`,
 * `passwordRef`), else none.
 */
export async function bitbucketCredentials(
  p: Gen,
  at: string,
  ctx: GeneratorContext,
): Promise<{ bearerToken?: string; basicAuth?: BasicCredentials }> {
  if (isObject(p['bearerToken'])) {
    const token = await secretRef(p['bearerToken']['tokenRef'], `${at}.bearerToken.tokenRef`, ctx);
    if (token) return { bearerToken: token };
  }
  const basic = p['basicAuth'];
  if (!isObject(basic)) return {};
  return {
    basicAuth: {
      username: text(basic, 'username', `${at}.basicAuth`, true),
      password: await secretRef(basic['passwordRef'], `${at}.basicAuth.passwordRef`, ctx),
    },
  };
}
