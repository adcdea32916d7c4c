import { parse } from 'yaml';
import { isObject, type Params } from '../params.js';

type ListSpec = { elements?: unknown[]; elementsYaml?: string };

/**
 * The list generator: each element is a parameter set. Without goTemplate,
 * element values must be strings and a `values` map becomes `values.<key>`,
 * as in Argo CD; `elementsYaml` adds sets parsed from YAML.
 */
export function listParams(spec: ListSpec, goTemplate: boolean): Params[] {
  const out: Params[] = [];
  for (const [i, element] of (spec.elements ?? []).entries()) {
    if (!isObject(element)) throw new Error(`list element ${i} is not an object`);
    if (goTemplate) {
      out.push(element);
      continue;
    }
    const p: Params = {};
    for (const [k, v] of Object.entries(element)) {
      if (k === 'values') {
        if (!isObject(v)) throw new Error('error parsing values map');
        for (const [vk, vv] of Object.entries(v)) {
          if (typeof vv !== 'string')
            throw new Error(`error parsing value as string: values.${vk}`);
          p[`values.${vk}`] = vv;
        }
      } else {
        if (typeof v !== 'string') throw new Error(`error parsing value as string: ${k}`);
        p[k] = v;
      }
    }
    out.push(p);
  }
  if (spec.elementsYaml) {
    const parsed: unknown = parse(spec.elementsYaml);
    if (!Array.isArray(parsed) || !parsed.every(isObject))
      throw new Error('elementsYaml must be a YAML list of objects');
    out.push(...parsed);
  }
  return out;
}
