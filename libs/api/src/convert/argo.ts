import {
  API_VERSION,
  APPLICATION,
  APPLICATION_SET,
  APP_PROJECT,
  DEFAULT_NAMESPACE,
} from '../group.js';
import { AppProjectSpec } from '../schema/app-project.js';
import { ApplicationSpec } from '../schema/application-spec.js';
import { Operation } from '../schema/operation.js';
import {
  ARGO_API_VERSION,
  ARGO_NAMESPACE,
  FINALIZER_MAP,
  LAST_APPLIED,
  SERVER_METADATA,
} from './argo-names.js';
import { convertApplicationSetSpec } from './argo-appset.js';
import { dropWarning, isObject, pruneUnknown } from './prune.js';

/** How to convert Argo CD manifests; every field is optional. */
export interface ConvertOptions {
  /** Argo CD's control namespace; objects in it move to `namespace`. Default `argocd`. */
  readonly argoNamespace?: string;
  /** Where objects from the Argo CD namespace go. Default `flotilla`. */
  readonly namespace?: string;
  /** Keep `metadata.namespace` as written. Default false. */
  readonly keepNamespace?: boolean;
}

/** {@link ConvertOptions} with every default filled in. */
export interface CompiledConvertOptions {
  readonly argoNamespace: string;
  readonly namespace: string;
  readonly keepNamespace: boolean;
}

/** Fills in the defaults of {@link ConvertOptions}. */
export function compileConvertOptions(options: ConvertOptions = {}): CompiledConvertOptions {
  return {
    argoNamespace: options.argoNamespace ?? ARGO_NAMESPACE,
    namespace: options.namespace ?? DEFAULT_NAMESPACE,
    keepNamespace: options.keepNamespace ?? false,
  };
}

/** A Kubernetes manifest as plain JSON. */
export type Manifest = Record<string, unknown>;

/** The outcome of converting one manifest. */
export interface ConvertResult {
  /** The Flotilla object, or the input unchanged when it is not an Argo CD Application or AppProject. */
  readonly object: unknown;
  /** One line per field dropped or changed in meaning, naming its path. */
  readonly warnings: string[];
  /** True when the input was converted. */
  readonly converted: boolean;
}

const CONVERTIBLE: readonly string[] = [APPLICATION.kind, APP_PROJECT.kind, APPLICATION_SET.kind];

/** True for an Argo CD Application, AppProject or ApplicationSet manifest. */
export function isArgoManifest(obj: unknown): obj is Manifest {
  return (
    isObject(obj) &&
    obj['apiVersion'] === ARGO_API_VERSION &&
    CONVERTIBLE.includes(String(obj['kind']))
  );
}

function convertMetadata(meta: Manifest, o: CompiledConvertOptions, warnings: string[]): void {
  for (const key of SERVER_METADATA) delete meta[key];
  if (meta['ownerReferences'] !== undefined) {
    delete meta['ownerReferences'];
    warnings.push(dropWarning('metadata.ownerReferences', ''));
  }
  if (!o.keepNamespace && meta['namespace'] === o.argoNamespace) meta['namespace'] = o.namespace;
  if (Array.isArray(meta['finalizers'])) {
    meta['finalizers'] = meta['finalizers'].map((f) =>
      typeof f === 'string' ? (FINALIZER_MAP[f] ?? f) : f,
    );
  }
  const annotations = meta['annotations'];
  if (isObject(annotations) && annotations[LAST_APPLIED] !== undefined) {
    delete annotations[LAST_APPLIED];
    warnings.push(
      `metadata.annotations[${JSON.stringify(LAST_APPLIED)}]: dropped, it records the Argo CD manifest`,
    );
  }
}

// Argo CD syncs spec.sources when it is set and ignores spec.source; a
// hydrator syncs its hydrated branch. Keep exactly one source, as Argo CD would.
function settleSources(spec: Manifest, warnings: string[]): void {
  const hydrator = spec['sourceHydrator'];
  const hasSources = Array.isArray(spec['sources']) && spec['sources'].length > 0;
  if (spec['source'] !== undefined && hasSources) {
    delete spec['source'];
    warnings.push('spec.source: dropped, spec.sources is set and Argo CD ignores source then');
  }
  if (isObject(hydrator) && spec['source'] === undefined && !hasSources) {
    const dry = isObject(hydrator['drySource']) ? hydrator['drySource'] : {};
    const sync = isObject(hydrator['syncSource']) ? hydrator['syncSource'] : {};
    spec['source'] = {
      repoURL: dry['repoURL'],
      path: sync['path'],
      targetRevision: sync['targetBranch'],
    };
    warnings.push(
      'spec.source: set from spec.sourceHydrator (drySource.repoURL, syncSource.path and targetBranch), the hydrated manifests Argo CD would sync',
    );
  }
}

function convertTopLevel(
  obj: Manifest,
  kind: string,
  known: readonly string[],
  warnings: string[],
): void {
  for (const key of Object.keys(obj)) {
    if (known.includes(key)) continue;
    delete obj[key];
    warnings.push(dropWarning(key, kind));
  }
}

/**
 * Converts an Argo CD (argoproj.io/v1alpha1) Application, AppProject or
 * ApplicationSet into
 * its flotilla.dev/v1alpha1 twin. Every field Flotilla supports is kept as
 * written; the others are dropped with a warning naming each path. Argo CD's
 * finalizers become Flotilla's, and objects in Argo CD's namespace move to
 * Flotilla's unless `keepNamespace` is set. Anything else is returned
 * unchanged (with a warning for other argoproj.io kinds).
 */
export function convertArgoManifest(obj: unknown, options: ConvertOptions = {}): ConvertResult {
  if (!isArgoManifest(obj)) {
    const argo = isObject(obj) && String(obj['apiVersion']).startsWith('argoproj.io/');
    const warnings = argo
      ? [
          `${String(obj['kind'])} (${String(obj['apiVersion'])}) is not converted; Flotilla has no equivalent`,
        ]
      : [];
    return { object: obj, warnings, converted: false };
  }
  const o = compileConvertOptions(options);
  const out = structuredClone(obj);
  const kind = String(out['kind']);
  const warnings: string[] = [];
  out['apiVersion'] = API_VERSION;
  if (isObject(out['metadata'])) convertMetadata(out['metadata'], o, warnings);
  const spec = out['spec'];
  if (kind === APPLICATION.kind) {
    convertTopLevel(out, kind, ['apiVersion', 'kind', 'metadata', 'spec', 'operation'], warnings);
    if (isObject(spec)) {
      settleSources(spec, warnings);
      pruneUnknown(spec, ApplicationSpec, 'spec', kind, warnings);
      const dest = spec['destination'];
      if (isObject(dest) && dest['namespace'] === o.argoNamespace && !o.keepNamespace) {
        warnings.push(
          `spec.destination.namespace: kept as ${JSON.stringify(o.argoNamespace)}; Applications deployed there are not seen by Flotilla, which watches ${JSON.stringify(o.namespace)}`,
        );
      }
    }
    if (out['operation'] !== undefined)
      pruneUnknown(out['operation'], Operation, 'operation', kind, warnings);
  } else if (kind === APPLICATION_SET.kind) {
    convertTopLevel(out, kind, ['apiVersion', 'kind', 'metadata', 'spec'], warnings);
    if (isObject(spec)) convertApplicationSetSpec(spec, warnings);
  } else {
    convertTopLevel(out, kind, ['apiVersion', 'kind', 'metadata', 'spec'], warnings);
    if (isObject(spec)) pruneUnknown(spec, AppProjectSpec, 'spec', kind, warnings);
  }
  return { object: out, warnings, converted: true };
}

const REVERSE_FINALIZERS = Object.fromEntries(
  Object.entries(FINALIZER_MAP).map(([a, f]) => [f, a]),
);

/**
 * The Argo CD twin of a Flotilla Application or AppProject: the inverse of
 * {@link convertArgoManifest} for every field both support.
 */
export function toArgoManifest(obj: Manifest, options: ConvertOptions = {}): Manifest {
  const o = compileConvertOptions(options);
  const out = structuredClone(obj);
  if (out['apiVersion'] !== API_VERSION || !CONVERTIBLE.includes(String(out['kind']))) return out;
  out['apiVersion'] = ARGO_API_VERSION;
  const meta = out['metadata'];
  if (isObject(meta)) {
    if (!o.keepNamespace && meta['namespace'] === o.namespace) meta['namespace'] = o.argoNamespace;
    if (Array.isArray(meta['finalizers'])) {
      meta['finalizers'] = meta['finalizers'].map((f) =>
        typeof f === 'string' ? (REVERSE_FINALIZERS[f] ?? f) : f,
      );
    }
  }
  return out;
}
