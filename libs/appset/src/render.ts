import {
  API_VERSION,
  APPLICATION,
  Finalizer,
  formatValidationErrors,
  validateApplication,
  type Application,
  type ApplicationSet,
  type GeneratorTemplate,
} from '@flotilla/api';
import { parse } from 'yaml';
import type { GeneratorOutput } from './generators/generate.js';
import { isObject, type Params } from './params.js';
import type { Dialect, TemplateEngine } from './templates.js';

/** One Application the set wants, or why a parameter set gave none. */
export type Rendered =
  | { readonly ok: true; readonly app: Application }
  | { readonly ok: false; readonly reason: 'render' | 'invalid'; readonly message: string };

type Json = Record<string, unknown>;

// What the apiserver accepts as an object name.
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

const isEmpty = (v: unknown) =>
  v === undefined ||
  v === null ||
  v === '' ||
  v === false ||
  v === 0 ||
  (Array.isArray(v) && v.length === 0) ||
  (isObject(v) && Object.keys(v).length === 0);

/**
 * A generator's template over the set's (mergo.Merge without override): a
 * field the generator sets wins, the set's template fills the rest.
 */
export function mergeTemplates(own: unknown, base: unknown): unknown {
  if (isEmpty(own)) return structuredClone(base);
  if (isObject(own) && isObject(base)) {
    const out: Json = { ...own };
    for (const [k, v] of Object.entries(base)) out[k] = mergeTemplates(own[k], v);
    return out;
  }
  return own;
}

/** RFC 7386 JSON merge patch: objects merge, null removes, anything else replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return patch;
  const out: Json = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

function toApplication(rendered: Json, set: ApplicationSet): Application {
  const meta = isObject(rendered['metadata']) ? rendered['metadata'] : {};
  const finalizers = Array.isArray(meta['finalizers']) ? (meta['finalizers'] as string[]) : [];
  const metadata: Json = { name: meta['name'], namespace: set.metadata.namespace };
  if (isObject(meta['labels'])) metadata['labels'] = meta['labels'];
  if (isObject(meta['annotations'])) metadata['annotations'] = meta['annotations'];
  // As Argo CD: deleting a generated app deletes its resources unless asked not to.
  if (finalizers.length > 0) metadata['finalizers'] = finalizers;
  else if (!set.spec.syncPolicy?.preserveResourcesOnDeletion)
    metadata['finalizers'] = [Finalizer.Resources];
  return {
    apiVersion: API_VERSION,
    kind: APPLICATION.kind,
    metadata,
    spec: rendered['spec'],
  } as Application;
}

async function applyPatch(
  app: Application,
  patch: string,
  params: Params,
  engine: TemplateEngine,
  dialect: Dialect,
): Promise<Application> {
  const [r] = await engine.render(patch, [params], dialect);
  if (!r?.ok)
    throw new Error(`error replacing values in templatePatch: ${r?.error ?? 'no result'}`);
  let doc: unknown;
  try {
    doc = parse(String(r.value));
  } catch (e) {
    throw new Error(`invalid templatePatch: ${(e as Error).message}`);
  }
  if (!isObject(doc)) throw new Error('invalid templatePatch: not an object');
  const patched = mergePatch(app, doc) as Application;
  // As Argo CD: a patch never moves an app to another project, nor out of the
  // set's namespace (the boundary of ApplicationSets in any namespace).
  return {
    ...patched,
    metadata: { ...patched.metadata, namespace: app.metadata.namespace },
    spec: { ...patched.spec, project: app.spec.project },
  };
}

/**
 * Renders the set's Applications from generated parameter sets: each
 * generator's template merged over the set's, rendered per set, the
 * templatePatch applied, placed in the set's namespace, and checked as an
 * Application. A set that fails is reported, never dropped silently.
 */
export async function renderApplications(
  set: ApplicationSet,
  outputs: readonly GeneratorOutput[],
  engine: TemplateEngine,
): Promise<Rendered[]> {
  const dialect: Dialect = {
    goTemplate: set.spec.goTemplate === true,
    goTemplateOptions: set.spec.goTemplateOptions ?? [],
  };
  const out: Rendered[] = [];
  for (const o of outputs) {
    if (o.params.length === 0) continue;
    const template = mergeTemplates(
      o.template as GeneratorTemplate | undefined,
      set.spec.template,
    ) as Json;
    const results = await engine.render(template, o.params, dialect);
    for (const [i, r] of results.entries()) {
      if (!r.ok) {
        out.push({ ok: false, reason: 'render', message: r.error });
        continue;
      }
      let app = toApplication(r.value as Json, set);
      if (set.spec.templatePatch) {
        try {
          app = await applyPatch(app, set.spec.templatePatch, o.params[i]!, engine, dialect);
        } catch (e) {
          out.push({ ok: false, reason: 'render', message: (e as Error).message });
          continue;
        }
      }
      const valid = validateApplication(app);
      const name = typeof app.metadata.name === 'string' ? app.metadata.name : '';
      if (!DNS_SUBDOMAIN.test(name) || name.length > 253) {
        out.push({
          ok: false,
          reason: 'invalid',
          message: `Application name ${JSON.stringify(name)} is not a valid name (lower-case letters, digits, '-' and '.', at most 253 characters)`,
        });
        continue;
      }
      if (!valid.ok) {
        out.push({
          ok: false,
          reason: 'invalid',
          message: `Application ${name} is invalid: ${formatValidationErrors(valid.errors).replace(/\n/g, '; ')}`,
        });
        continue;
      }
      out.push({ ok: true, app });
    }
  }
  return out;
}
