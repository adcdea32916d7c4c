import {
  LineCounter,
  parseAllDocuments,
  type DocumentOptions,
  type ParseOptions,
  type SchemaOptions,
} from 'yaml';
import { RenderError } from './errors.js';

/** One non-empty document of a YAML stream. */
export interface ParsedDocument {
  readonly value: unknown;
  /** Zero-based position of the document in its stream. */
  readonly index: number;
  /** One-based line where the document starts. */
  readonly line: number;
}

// Kubernetes and Helm read YAML the way go-yaml v2 does: YAML 1.1 booleans
// (`yes`, `on`), octal `0755`, merge keys and duplicate keys (the last wins),
// but no timestamps, no sexagesimal numbers (`12:30` stays a string), and
// nothing that is not plain JSON.
const DROPPED_TAGS = new Set([
  'tag:yaml.org,2002:timestamp',
  'tag:yaml.org,2002:binary',
  'tag:yaml.org,2002:omap',
  'tag:yaml.org,2002:pairs',
  'tag:yaml.org,2002:set',
]);

const OPTIONS: ParseOptions & DocumentOptions & SchemaOptions = {
  version: '1.1',
  uniqueKeys: false,
  customTags: (tags) =>
    tags.filter((t) => {
      const tag = t as { tag: string; format?: string };
      return !DROPPED_TAGS.has(tag.tag) && tag.format !== 'TIME';
    }),
};

function firstLine(message: string): string {
  return (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+:?$/, '');
}

/** The documents of a stream up to the first bad one, and what was wrong with it. */
export interface ParsedStream {
  readonly documents: ParsedDocument[];
  readonly error?: RenderError;
}

/**
 * Parses a stream of YAML documents as Kubernetes does; empty documents are
 * skipped. Parsing stops at the first bad document: a syntax error is an
 * `InvalidYAML` {@link RenderError} naming `file` and the line, an alias bomb
 * (more than `maxAliasCount` expansions) is `TooLarge`.
 */
export function parseYamlStream(text: string, file: string, maxAliasCount: number): ParsedStream {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { ...OPTIONS, lineCounter });
  const list = Array.isArray(docs) ? docs : [];
  const documents: ParsedDocument[] = [];
  for (const [index, doc] of list.entries()) {
    const error = doc.errors[0];
    if (error) {
      const line = error.linePos?.[0].line ?? lineCounter.linePos(error.pos[0]).line;
      const message = `${file}:${line}: ${firstLine(error.message)}`;
      return { documents, error: new RenderError('InvalidYAML', message, { file, line }) };
    }
    const line = lineCounter.linePos(doc.contents?.range[0] ?? doc.range[0]).line;
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount });
    } catch (cause) {
      const bomb = cause instanceof ReferenceError && /alias/i.test(cause.message);
      const error = bomb
        ? new RenderError(
            'TooLarge',
            `${file}:${line}: YAML aliases expand more than ${maxAliasCount} times (an alias bomb?)`,
            { file, line },
          )
        : new RenderError('InvalidYAML', `${file}:${line}: ${(cause as Error).message}`, {
            file,
            line,
          });
      return { documents, error };
    }
    if (value !== null && value !== undefined) documents.push({ value, index, line });
  }
  return { documents };
}

/** Parses a JSON file holding exactly one value; errors name `file` and the line. */
export function parseJsonFile(text: string, file: string): ParsedStream {
  try {
    return { documents: [{ value: JSON.parse(text) as unknown, index: 0, line: 1 }] };
  } catch (cause) {
    const message = (cause as Error).message;
    const pos = /position (\d+)/.exec(message);
    const line = pos ? text.slice(0, Number(pos[1])).split('\n').length : undefined;
    const where = line === undefined ? file : `${file}:${line}`;
    const details = line === undefined ? { file } : { file, line };
    return {
      documents: [],
      error: new RenderError('InvalidYAML', `${where}: invalid JSON: ${message}`, details),
    };
  }
}
