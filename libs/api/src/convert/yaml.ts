import { parseAllDocuments, stringify } from 'yaml';
import { ManifestParseError } from '../errors.js';
import { convertArgoManifest, type ConvertOptions } from './argo.js';
import { isObject } from './prune.js';

/** One document of a converted YAML stream. */
export interface ConvertedDocument {
  /** Zero-based index of the document in the input. */
  readonly index: number;
  readonly object: unknown;
  readonly converted: boolean;
  readonly warnings: readonly string[];
}

/** The outcome of converting a YAML stream. */
export interface ConvertYamlResult {
  /** The stream with Argo CD documents converted and every other document as written. */
  readonly yaml: string;
  /** Non-empty documents, in order. */
  readonly documents: readonly ConvertedDocument[];
  /** Every warning, prefixed with the kind and name of its document. */
  readonly warnings: readonly string[];
}

function label(obj: unknown, index: number): string {
  if (!isObject(obj)) return `document ${index}`;
  const meta = isObject(obj['metadata']) ? obj['metadata'] : {};
  const ns = typeof meta['namespace'] === 'string' ? `${meta['namespace']}/` : '';
  return `${String(obj['kind'])} ${ns}${String(meta['name'])}`;
}

/**
 * Converts every Argo CD Application and AppProject in a multi-document YAML
 * stream (the output of `helm template` or `kustomize build`, say). Other
 * documents pass through exactly as written, comments included. Throws
 * {@link ManifestParseError} when a document is not valid YAML.
 */
export function convertArgoYaml(text: string, options: ConvertOptions = {}): ConvertYamlResult {
  const docs = parseAllDocuments(text);
  const documents: ConvertedDocument[] = [];
  const parts: string[] = [];
  const warnings: string[] = [];
  docs.forEach((doc, index) => {
    const [error] = doc.errors;
    if (error)
      throw new ManifestParseError(`document ${index}: ${error.message}`, index, { cause: error });
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) return;
    const result = convertArgoManifest(value, options);
    documents.push({ index, ...result });
    const where = label(result.object, index);
    for (const w of result.warnings) warnings.push(`${where}: ${w}`);
    // The stream's own `---` separators are written below, once per document.
    doc.directives.docStart = null;
    parts.push(result.converted ? stringify(result.object) : doc.toString());
  });
  return {
    yaml: parts.map((p) => (p.endsWith('\n') ? p : `${p}\n`)).join('---\n'),
    documents,
    warnings,
  };
}
