import { parseDocument } from 'yaml';
import { RenderError } from '../errors.js';

/** One chart version in a Helm repository's index.yaml. */
export interface IndexEntry {
  readonly version: string;
  readonly urls: readonly string[];
  /** The archive's sha256 (hex), when the index gives one. */
  readonly digest?: string;
}

/**
 * Reads a Helm repository index. Anything but a YAML mapping with an
 * `entries` mapping of lists is `InvalidRepository`: a login page or an HTML
 * error served with status 200 must not read as "no charts".
 */
export function parseIndex(
  text: string,
  what: string,
  maxAliasCount: number,
): Map<string, IndexEntry[]> {
  const doc = parseDocument(text, { uniqueKeys: false });
  if (doc.errors.length > 0) {
    throw new RenderError(
      'InvalidRepository',
      `${what} is not YAML: ${doc.errors[0]!.message.split('\n')[0]}`,
    );
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount });
  } catch (err) {
    throw new RenderError(
      'InvalidRepository',
      `${what} could not be read: ${(err as Error).message}`,
    );
  }
  const entries = (value as { entries?: unknown } | null)?.entries;
  if (
    typeof value !== 'object' ||
    value === null ||
    typeof entries !== 'object' ||
    entries === null
  ) {
    throw new RenderError(
      'InvalidRepository',
      `${what} is not a Helm repository index (no entries)`,
    );
  }
  const out = new Map<string, IndexEntry[]>();
  for (const [name, list] of Object.entries(entries as Record<string, unknown>)) {
    if (!Array.isArray(list)) continue;
    out.set(
      name,
      list.flatMap((e: unknown) => {
        const x = e as { version?: unknown; urls?: unknown; digest?: unknown };
        if (typeof x?.version !== 'string' || !Array.isArray(x.urls)) return [];
        const urls = x.urls.filter((u): u is string => typeof u === 'string');
        return [
          {
            version: x.version,
            urls,
            ...(typeof x.digest === 'string' ? { digest: x.digest } : {}),
          },
        ];
      }),
    );
  }
  return out;
}
