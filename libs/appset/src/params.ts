/** One parameter set a generator produced. */
export type Params = Record<string, unknown>;

/** True for a plain JSON object. */
export const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Formats a value as Go's `fmt.Sprintf("%v")` does for JSON values, which is
 * how Argo CD turns parameters into strings.
 */
export function goString(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return goFloat(v);
  if (typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map(goString).join(' ')}]`;
  if (isObject(v))
    return `map[${Object.keys(v)
      .sort()
      .map((k) => `${k}:${goString(v[k])}`)
      .join(' ')}]`;
  return String(v);
}

// %v of a float64 is %g: shortest representation, exponent from 1e21 up.
function goFloat(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) < 1e21) return String(n);
  const s = String(n);
  return s.replace(/e\+?(-?)(\d)$/, 'e+$10$2').replace('e+-', 'e-');
}

/**
 * Flattens nested objects and lists into dotted keys (`a.b`, `list.0`), with
 * values as strings, as Argo CD does for selectors and for the files of a
 * Git generator without goTemplate.
 */
export function flatten(value: Params, prefix = ''): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (v: unknown, key: string): void => {
    const entries = Array.isArray(v)
      ? v.map((x, i) => [String(i), x] as const)
      : isObject(v)
        ? Object.entries(v)
        : undefined;
    if (!entries || (entries.length === 0 && key !== '')) {
      if (key !== '') out[key] = goString(v);
      return;
    }
    for (const [k, x] of entries) walk(x, key === '' ? k : `${key}.${k}`);
  };
  walk(value, prefix);
  return out;
}

/** Argo CD's `normalize`: a lower-case DNS subdomain made from any string. */
export function sanitizeName(name: string): string {
  let n = name.toLowerCase().replace(/[^-a-z0-9.]/g, '-');
  if (n.length > 253) n = n.slice(0, 253);
  return n.replace(/^[-.]+|[-.]+$/g, '');
}
