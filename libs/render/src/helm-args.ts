import { RenderError } from './errors.js';

/** A `--set`, `--set-string` or `--set-file` value. */
export interface HelmSetting {
  readonly name: string;
  readonly value: string;
}

/** Everything `helm template` is told, already resolved to files this render owns. */
export interface HelmTemplatePlan {
  readonly releaseName: string;
  readonly namespace?: string;
  readonly kubeVersion?: string;
  readonly apiVersions: readonly string[];
  /** Copies of `valueFiles`, in order; later files win. */
  readonly valueFiles: readonly string[];
  /** The file holding `values` or `valuesObject`; passed after the value files. */
  readonly inlineValuesFile?: string;
  readonly set: readonly HelmSetting[];
  readonly setString: readonly HelmSetting[];
  /** `value` is the path of this render's copy of the file. */
  readonly setFile: readonly HelmSetting[];
  readonly skipCrds: boolean;
  readonly skipTests: boolean;
  readonly skipSchemaValidation: boolean;
}

const RELEASE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const NAMESPACE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const KUBE_VERSION = /^v?\d+(\.\d+){0,2}([-+][0-9A-Za-z.+-]*)?$/;
const CONTROL = /[\u0000-\u001f\u007f]/;

/** Refuses a release name Helm would refuse, or that could pass for a flag. */
export function checkReleaseName(name: string): void {
  if (name.length > 53 || !RELEASE_NAME.test(name)) {
    throw new RenderError(
      'InvalidSource',
      `Helm release name ${JSON.stringify(name)} is invalid: it must be a DNS subdomain of at most 53 characters`,
    );
  }
}

/** Refuses a namespace that is not a DNS label. */
export function checkNamespace(namespace: string): void {
  if (namespace.length > 63 || !NAMESPACE.test(namespace)) {
    throw new RenderError(
      'InvalidSource',
      `namespace ${JSON.stringify(namespace)} is not a DNS label`,
    );
  }
}

/** Refuses a Kubernetes version that is not `[v]major[.minor[.patch]]`. */
export function checkKubeVersion(version: string): void {
  if (!KUBE_VERSION.test(version)) {
    throw new RenderError(
      'InvalidSource',
      `kubeVersion ${JSON.stringify(version)} is not a version`,
    );
  }
}

/**
 * Refuses a Helm value name that is empty, starts with `-` (it could be read
 * as a flag by a careless caller), or holds control characters.
 */
export function checkParameterName(name: string | undefined, field: string): string {
  if (!name || name.startsWith('-') || CONTROL.test(name)) {
    throw new RenderError(
      'InvalidSource',
      `${field} name ${JSON.stringify(name ?? '')} is invalid: it must be non-empty, not start with "-" and hold no control characters`,
    );
  }
  return name;
}

/**
 * Escapes commas in a `--set` value so Helm does not read the rest as another
 * `name=value` (Argo CD does the same); a `{a,b}` list is passed as is.
 */
export function escapeSetValue(value: string): string {
  if (value.startsWith('{') && value.endsWith('}')) return value;
  return value.replace(/(?<!\\),/g, '\\,');
}

/** Keeps the last setting of each name, in the order the names first appear. */
export function lastByName(settings: readonly HelmSetting[]): HelmSetting[] {
  const byName = new Map<string, HelmSetting>();
  for (const s of settings) byName.set(s.name, s);
  return [...byName.values()];
}

/**
 * The arguments of `helm template`. Every value travels inside its own
 * `--flag=value` argument and the release name and chart follow `--`, so no
 * value can become a flag; the caller runs helm without a shell, from the
 * chart directory.
 */
export function helmTemplateArgs(plan: HelmTemplatePlan): string[] {
  const args = ['template'];
  if (plan.namespace) args.push(`--namespace=${plan.namespace}`);
  if (plan.kubeVersion) args.push(`--kube-version=${plan.kubeVersion}`);
  for (const s of lastByName(plan.set)) args.push(`--set=${s.name}=${escapeSetValue(s.value)}`);
  for (const s of lastByName(plan.setString)) {
    args.push(`--set-string=${s.name}=${escapeSetValue(s.value)}`);
  }
  for (const s of lastByName(plan.setFile)) args.push(`--set-file=${s.name}=${s.value}`);
  for (const f of plan.valueFiles) args.push(`--values=${f}`);
  if (plan.inlineValuesFile) args.push(`--values=${plan.inlineValuesFile}`);
  for (const v of plan.apiVersions) args.push(`--api-versions=${v}`);
  args.push(plan.skipCrds ? '--skip-crds' : '--include-crds');
  if (plan.skipSchemaValidation) args.push('--skip-schema-validation');
  if (plan.skipTests) args.push('--skip-tests');
  args.push('--', plan.releaseName, '.');
  return args;
}
