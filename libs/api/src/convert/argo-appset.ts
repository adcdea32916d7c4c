import { ApplicationSpec } from '../schema/application-spec.js';
import { ApplicationSetSpec } from '../schema/application-set.js';
import { FINALIZER_MAP } from './argo-names.js';
import { isObject, pruneUnknown } from './prune.js';

type Json = Record<string, unknown>;

/** Generators Argo CD has and Flotilla does not run; kept, and reported by the controller. */
export const UNSUPPORTED_GENERATORS = ['clusterDecisionResource', 'plugin'] as const;

const KIND = 'ApplicationSet';

function convertTemplate(template: unknown, path: string, warnings: string[]): void {
  if (!isObject(template)) return;
  const meta = template['metadata'];
  if (isObject(meta) && Array.isArray(meta['finalizers'])) {
    meta['finalizers'] = meta['finalizers'].map((f) =>
      typeof f === 'string' ? (FINALIZER_MAP[f] ?? f) : f,
    );
  }
  // The template's spec is free-form in the CRD (it holds template strings),
  // so it is checked against the Application spec here.
  if (isObject(template['spec']))
    pruneUnknown(template['spec'], ApplicationSpec, `${path}.spec`, KIND, warnings);
}

function convertGenerators(generators: unknown, path: string, warnings: string[]): void {
  if (!Array.isArray(generators)) return;
  generators.forEach((g: unknown, i) => {
    if (!isObject(g)) return;
    const at = `${path}[${i}]`;
    for (const name of UNSUPPORTED_GENERATORS) {
      if (g[name] !== undefined)
        warnings.push(`${at}.${name}: kept, but Flotilla does not run this generator`);
    }
    for (const [name, body] of Object.entries(g)) {
      if (!isObject(body)) continue;
      convertTemplate(body['template'], `${at}.${name}.template`, warnings);
      if (name === 'matrix' || name === 'merge')
        convertGenerators(body['generators'], `${at}.${name}.generators`, warnings);
    }
  });
}

/** Converts the spec of an Argo CD ApplicationSet in place; returns nothing, warns per field. */
export function convertApplicationSetSpec(spec: Json, warnings: string[]): void {
  pruneUnknown(spec, ApplicationSetSpec, 'spec', KIND, warnings);
  convertTemplate(spec['template'], 'spec.template', warnings);
  convertGenerators(spec['generators'], 'spec.generators', warnings);
  if (isObject(spec['strategy']) && spec['strategy']['type'] === 'RollingSync') {
    warnings.push('spec.strategy: kept; RollingSync steps sync apps in order of their labels');
  }
}
