import { isObject, type Params } from './params.js';

// Argo CD only substitutes strings that have a {{...}} on one line.
const TEMPLATED = /{{.*}}/;

/** A `{{` without its `}}`: Argo CD rejects such a template. */
export class UnclosedTagError extends Error {
  override readonly name = 'UnclosedTagError';
}

/**
 * Argo CD's default template dialect (valyala/fasttemplate with `{{` and
 * `}}`): each tag, trimmed, is looked up in the parameters; a string value
 * replaces the tag, anything else (missing, not a string, empty tag) leaves
 * the tag as written. No escaping, no nesting, no functions.
 */
export function fastReplace(template: string, params: Params): string {
  if (!TEMPLATED.test(template)) return template;
  let out = '';
  let rest = template;
  for (;;) {
    const start = rest.indexOf('{{');
    if (start < 0) return out + rest;
    const end = rest.indexOf('}}', start + 2);
    if (end < 0)
      throw new UnclosedTagError(
        `invalid template: cannot find end tag "}}" in ${JSON.stringify(template)}`,
      );
    const tag = rest.slice(start + 2, end);
    const value = params[tag.trim()];
    out += rest.slice(0, start);
    out += tag.trim() !== '' && typeof value === 'string' ? value : `{{${tag}}}`;
    rest = rest.slice(end + 2);
  }
}

/**
 * Renders every string and object key of a JSON tree with
 * {@link fastReplace}; nulls in objects are left out, as Argo CD's deep copy
 * does.
 */
export function fastRender(value: unknown, params: Params): unknown {
  if (typeof value === 'string') return fastReplace(value, params);
  if (Array.isArray(value)) return value.map((v) => fastRender(v, params));
  if (isObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (v === null || v === undefined) continue;
      out[fastReplace(k, params)] = fastRender(v, params);
    }
    return out;
  }
  return value;
}
