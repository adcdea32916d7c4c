// `compare-options`: how the diff treats a resource. Parsed here so one reading
// of a resource's annotations covers everything Argo CD lets it say.
import { ArgoAnnotation, FlotillaAnnotation, csv } from './annotations.js';
import { annotationsOf, type KubeObject } from './object.js';

/** What `compare-options` sets; unset options are absent. */
export interface CompareOptions {
  /** `IgnoreExtraneous`: the resource does not make the app OutOfSync. */
  readonly ignoreExtraneous?: boolean;
  /** `ServerSideDiff=true|false`. */
  readonly serverSideDiff?: boolean;
  /** `IncludeMutationWebhook=true|false`. */
  readonly includeMutationWebhook?: boolean;
  /** Items that are unknown or malformed. */
  readonly unknown: readonly string[];
}

/** Reads both spellings of `compare-options`, the Flotilla one winning per option. */
export function compareOptionsOf(obj: KubeObject): CompareOptions {
  const ann = annotationsOf(obj);
  const items = [
    ...csv(ann[ArgoAnnotation.CompareOptions]),
    ...csv(ann[FlotillaAnnotation.CompareOptions]),
  ];
  const out: { -readonly [K in keyof CompareOptions]: CompareOptions[K] } = { unknown: [] };
  const unknown: string[] = [];
  for (const item of items) {
    const [name, value] = item.split('=', 2);
    const flag = value === 'true' ? true : value === 'false' ? false : undefined;
    if (item === 'IgnoreExtraneous') out.ignoreExtraneous = true;
    else if (name === 'ServerSideDiff' && flag !== undefined) out.serverSideDiff = flag;
    else if (name === 'IncludeMutationWebhook' && flag !== undefined) {
      out.includeMutationWebhook = flag;
    } else unknown.push(item);
  }
  out.unknown = unknown;
  return out;
}
