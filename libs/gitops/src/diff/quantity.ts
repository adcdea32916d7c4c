// Kubernetes resource quantities: `500m`, `0.5`, `1Gi`, `1073741824` and
// `1e3` are spellings the API server rewrites, so a manifest and its live
// object can disagree in text and agree in value.

const QUANTITY =
  /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(?:(Ki|Mi|Gi|Ti|Pi|Ei)|(n|u|m|k|M|G|T|P|E)|[eE]([+-]?\d{1,3}))?$/;
const BINARY: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const DECIMAL: Record<string, number> = {
  n: -9,
  u: -6,
  m: -3,
  k: 3,
  M: 6,
  G: 9,
  T: 12,
  P: 15,
  E: 18,
};

// Every quantity is scaled by 10^SHIFT so that it becomes an integer.
const SHIFT = 1200n;

/** The exact value of a quantity times 10^1200, or undefined when `text` is not one. */
function scaled(text: string): bigint | undefined {
  const m = QUANTITY.exec(text);
  if (!m) return undefined;
  const [, sign = '', number = '', binary, decimal, exponent] = m;
  const [whole = '', fraction = ''] = number.split('.');
  let value = BigInt(`${whole || '0'}${fraction}`);
  let power = -BigInt(fraction.length);
  if (binary) value *= 1n << BigInt(BINARY[binary] ?? 0);
  if (decimal) power += BigInt(DECIMAL[decimal] ?? 0);
  if (exponent) power += BigInt(exponent);
  const total = SHIFT + power;
  if (total < 0n) return undefined;
  value *= 10n ** total;
  return sign === '-' ? -value : value;
}

/** True when `a` and `b` are quantities (strings or numbers) of equal value. */
export function quantityEqual(a: unknown, b: unknown): boolean {
  const as = typeof a === 'number' || typeof a === 'string' ? scaled(String(a)) : undefined;
  const bs = typeof b === 'number' || typeof b === 'string' ? scaled(String(b)) : undefined;
  return as !== undefined && bs !== undefined && as === bs;
}

const QUANTITY_MAPS = new Set([
  'requests',
  'limits',
  'hard',
  'capacity',
  'allocatable',
  'default',
  'defaultRequest',
  'max',
  'min',
]);
const QUANTITY_FIELDS = new Set(['sizeLimit', 'storage']);

/** True when the field at `path` holds a quantity: a value of resources, quotas or limit ranges. */
export function isQuantityField(path: readonly (string | number)[]): boolean {
  const last = path[path.length - 1];
  const parent = path[path.length - 2];
  return (
    (typeof last === 'string' && QUANTITY_FIELDS.has(last)) ||
    (typeof parent === 'string' && QUANTITY_MAPS.has(parent))
  );
}
