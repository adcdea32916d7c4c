import { isObject, type Params } from '../params.js';
import type { Dialect, TemplateEngine } from '../templates.js';

/**
 * Adds a generator's `values` to each parameter set, each value rendered
 * with that set's parameters: `values.<key>` without goTemplate, a `values`
 * map with it (as Argo CD's appendTemplatedValues).
 */
export async function appendValues(
  sets: Params[],
  values: Readonly<Record<string, string>> | undefined,
  engine: TemplateEngine,
  dialect: Dialect,
): Promise<Params[]> {
  const keys = Object.keys(values ?? {});
  if (keys.length === 0 || sets.length === 0) return sets;
  const rendered = await engine.render(values, sets, dialect);
  return sets.map((p, i) => {
    const r = rendered[i];
    if (!r?.ok) throw new Error(`failed to append templated values: ${r?.error ?? 'no result'}`);
    const v = isObject(r.value) ? r.value : {};
    if (dialect.goTemplate) {
      const prev = isObject(p['values']) ? p['values'] : {};
      return { ...p, values: { ...prev, ...v } };
    }
    const out = { ...p };
    for (const [k, x] of Object.entries(v)) out[`values.${k}`] = x;
    return out;
  });
}
