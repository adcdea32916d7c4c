// A small evaluator of the expr-lang expressions Argo CD triggers are written
// in (`when` and `oncePer`). It covers what the catalog and common user
// triggers use: literals, nil-safe member and index access, comparisons, `in`,
// boolean logic, arithmetic, string operators and a few functions (`len`,
// `time.Now`, `time.Parse` with `Before`, `After`, `Sub`). Anything else is a
// clear ExprError, never a wrong answer.
import { ExprError } from './errors.js';

type Tok = { t: 'num' | 'str' | 'id' | 'op'; v: string };

const OPS = [
  '?.',
  '==',
  '!=',
  '<=',
  '>=',
  '&&',
  '||',
  '(',
  ')',
  '[',
  ']',
  ',',
  '.',
  '<',
  '>',
  '!',
  '+',
  '-',
  '*',
  '/',
  '%',
];

function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (/[0-9]/.test(c)) {
      const m = /^[0-9]+(\.[0-9]+)?/.exec(src.slice(i))!;
      out.push({ t: 'num', v: m[0] });
      i += m[0].length;
    } else if (c === "'" || c === '"' || c === '`') {
      let j = i + 1;
      let s = '';
      while (j < src.length && src[j] !== c) {
        if (src[j] === '\\' && c !== '`') j++;
        s += src[j] ?? '';
        j++;
      }
      if (j >= src.length) throw new ExprError(`unterminated string in ${JSON.stringify(src)}`);
      out.push({ t: 'str', v: s });
      i = j + 1;
    } else if (/[A-Za-z_$]/.test(c)) {
      const m = /^[A-Za-z_$][A-Za-z0-9_$]*/.exec(src.slice(i))!;
      out.push({ t: 'id', v: m[0] });
      i += m[0].length;
    } else {
      const op = OPS.find((o) => src.startsWith(o, i));
      if (!op) throw new ExprError(`unexpected ${JSON.stringify(c)} in ${JSON.stringify(src)}`);
      out.push({ t: 'op', v: op });
      i += op.length;
    }
  }
  return out;
}

/** A parsed expression: evaluate it against an environment. */
export type Expr = (env: Readonly<Record<string, unknown>>) => unknown;

const BINARY: Record<string, number> = {
  or: 1,
  '||': 1,
  and: 2,
  '&&': 2,
  '==': 3,
  '!=': 3,
  '<': 3,
  '>': 3,
  '<=': 3,
  '>=': 3,
  in: 3,
  contains: 3,
  startsWith: 3,
  endsWith: 3,
  matches: 3,
  '+': 4,
  '-': 4,
  '*': 5,
  '/': 5,
  '%': 5,
};

/** Parses an expr-lang expression; throws {@link ExprError} on what it does not support. */
export function compileExpr(src: string): Expr {
  const toks = tokenize(src);
  let p = 0;
  const peek = () => toks[p];
  const isOp = (v: string) => peek()?.t === 'op' && peek()?.v === v;
  const expect = (v: string) => {
    if (!isOp(v)) throw new ExprError(`expected ${v} in ${JSON.stringify(src)}`);
    p++;
  };
  const binaryOp = (): string | undefined => {
    const t = peek();
    if (!t) return undefined;
    if (t.t === 'id' && t.v === 'not' && toks[p + 1]?.v === 'in') return 'not in';
    return (t.t === 'op' || t.t === 'id') && t.v in BINARY ? t.v : undefined;
  };
  const parseBinary = (minPrec: number): Expr => {
    let left = parseUnary();
    for (;;) {
      const op = binaryOp();
      const prec = op === 'not in' ? 3 : op ? BINARY[op]! : 0;
      if (!op || prec < minPrec) return left;
      p += op === 'not in' ? 2 : 1;
      const right = parseBinary(prec + 1);
      left = binary(op, left, right);
    }
  };
  const parseUnary = (): Expr => {
    if (isOp('!') || (peek()?.t === 'id' && peek()?.v === 'not')) {
      p++;
      const e = parseUnary();
      return (env) => !truthy(e(env));
    }
    if (isOp('-')) {
      p++;
      const e = parseUnary();
      return (env) => -(e(env) as number);
    }
    return parsePostfix(parsePrimary());
  };
  const parseArgs = (): Expr[] => {
    const args: Expr[] = [];
    while (!isOp(')')) {
      args.push(parseBinary(1));
      if (!isOp(')')) expect(',');
    }
    p++;
    return args;
  };
  const parsePostfix = (base: Expr): Expr => {
    let e = base;
    for (;;) {
      if (isOp('.') || isOp('?.')) {
        p++;
        const name = toks[p++];
        if (name?.t !== 'id')
          throw new ExprError(`expected a field name in ${JSON.stringify(src)}`);
        if (isOp('(')) {
          p++;
          const args = parseArgs();
          const obj = e;
          e = (env) =>
            callMethod(
              obj(env),
              name.v,
              args.map((a) => a(env)),
            );
        } else {
          const obj = e;
          e = (env) => member(obj(env), name.v);
        }
      } else if (isOp('[')) {
        p++;
        const key = parseBinary(1);
        expect(']');
        const obj = e;
        e = (env) => member(obj(env), key(env));
      } else return e;
    }
  };
  const parsePrimary = (): Expr => {
    const t = toks[p++];
    if (!t) throw new ExprError(`unexpected end of ${JSON.stringify(src)}`);
    if (t.t === 'num') return () => Number(t.v);
    if (t.t === 'str') return () => t.v;
    if (t.t === 'op' && t.v === '(') {
      const e = parseBinary(1);
      expect(')');
      return e;
    }
    if (t.t === 'op' && t.v === '[') {
      const items: Expr[] = [];
      while (!isOp(']')) {
        items.push(parseBinary(1));
        if (!isOp(']')) expect(',');
      }
      p++;
      return (env) => items.map((i) => i(env));
    }
    if (t.t === 'id') {
      if (t.v === 'true') return () => true;
      if (t.v === 'false') return () => false;
      if (t.v === 'nil') return () => null;
      if (isOp('(')) {
        p++;
        const args = parseArgs();
        return (env) =>
          callFunction(
            t.v,
            args.map((a) => a(env)),
          );
      }
      if (t.v === 'time') return () => TIME;
      return (env) => env[t.v] ?? null;
    }
    throw new ExprError(`unexpected ${JSON.stringify(t.v)} in ${JSON.stringify(src)}`);
  };
  const e = parseBinary(1);
  if (p < toks.length)
    throw new ExprError(`unexpected ${JSON.stringify(toks[p]!.v)} in ${JSON.stringify(src)}`);
  return (env) => e(env);
}

/** Go's truthiness as expr-lang applies it to a condition: only `true` is true. */
function truthy(v: unknown): boolean {
  return v === true;
}

function member(obj: unknown, key: unknown): unknown {
  if (obj === null || obj === undefined) return null;
  if (Array.isArray(obj) && typeof key === 'number')
    return obj[key < 0 ? obj.length + key : key] ?? null;
  if (typeof obj === 'object') return (obj as Record<string, unknown>)[String(key)] ?? null;
  return null;
}

const equal = (a: unknown, b: unknown): boolean =>
  a instanceof GoTime && b instanceof GoTime ? a.ms === b.ms : (a ?? null) === (b ?? null);

function binary(op: string, l: Expr, r: Expr): Expr {
  switch (op) {
    case 'and':
    case '&&':
      return (env) => truthy(l(env)) && truthy(r(env));
    case 'or':
    case '||':
      return (env) => truthy(l(env)) || truthy(r(env));
    case '==':
      return (env) => equal(l(env), r(env));
    case '!=':
      return (env) => !equal(l(env), r(env));
    case 'in':
    case 'not in':
      return (env) => {
        const v = l(env);
        const c = r(env);
        const found = Array.isArray(c)
          ? c.some((x) => equal(x, v))
          : c !== null && typeof c === 'object' && String(v) in c;
        return op === 'in' ? found : !found;
      };
    case 'contains':
      return (env) => String(l(env) ?? '').includes(String(r(env) ?? ''));
    case 'startsWith':
      return (env) => String(l(env) ?? '').startsWith(String(r(env) ?? ''));
    case 'endsWith':
      return (env) => String(l(env) ?? '').endsWith(String(r(env) ?? ''));
    case 'matches':
      return (env) => new RegExp(String(r(env))).test(String(l(env) ?? ''));
    default:
      return (env) => arithmetic(op, l(env), r(env));
  }
}

function arithmetic(op: string, a: unknown, b: unknown): unknown {
  if (op === '+' && (typeof a === 'string' || typeof b === 'string')) return `${a ?? ''}${b ?? ''}`;
  const x = a as number;
  const y = b as number;
  switch (op) {
    case '<':
      return x < y;
    case '>':
      return x > y;
    case '<=':
      return x <= y;
    case '>=':
      return x >= y;
    case '+':
      return x + y;
    case '-':
      return x - y;
    case '*':
      return x * y;
    case '/':
      return x / y;
    case '%':
      return x % y;
  }
  throw new ExprError(`unsupported operator ${op}`);
}

function callFunction(name: string, args: unknown[]): unknown {
  if (name === 'len') {
    const v = args[0];
    if (Array.isArray(v) || typeof v === 'string') return v.length;
    if (v && typeof v === 'object') return Object.keys(v).length;
    return 0;
  }
  throw new ExprError(`unsupported function ${name}()`);
}

/** A point in time, with the methods of Go's time.Time that triggers use. */
export class GoTime {
  constructor(readonly ms: number) {}
}
class GoDuration {
  constructor(readonly ms: number) {}
}
const TIME = { __time: true };

function callMethod(obj: unknown, name: string, args: unknown[]): unknown {
  if (obj === TIME) {
    if (name === 'Now') return new GoTime(Date.now());
    if (name === 'Parse') {
      const ms = Date.parse(String(args[args.length - 1] ?? ''));
      if (Number.isNaN(ms))
        throw new ExprError(`time.Parse: cannot parse ${JSON.stringify(args.at(-1))}`);
      return new GoTime(ms);
    }
  }
  if (obj instanceof GoTime) {
    const other = args[0];
    if (name === 'Unix') return Math.floor(obj.ms / 1000);
    if (other instanceof GoTime) {
      if (name === 'Before') return obj.ms < other.ms;
      if (name === 'After') return obj.ms > other.ms;
      if (name === 'Equal') return obj.ms === other.ms;
      if (name === 'Sub') return new GoDuration(obj.ms - other.ms);
    }
  }
  if (obj instanceof GoDuration) {
    if (name === 'Seconds') return obj.ms / 1000;
    if (name === 'Minutes') return obj.ms / 60_000;
    if (name === 'Hours') return obj.ms / 3_600_000;
  }
  throw new ExprError(`unsupported call .${name}()`);
}

/** Evaluates a `when` condition: true only for a boolean true. */
export function holds(e: Expr, env: Readonly<Record<string, unknown>>): boolean {
  return truthy(e(env));
}
