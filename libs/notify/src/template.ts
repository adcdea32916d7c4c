// Go text/template as Argo CD notification templates use it: fields
// (`{{.app.metadata.name}}`), variables, pipelines, `if`/`else if`/`else`,
// `range` (with `$i, $v :=`), `with`, trim markers, and the functions the
// catalog and common templates call (eq, ne, lt, gt, not, and, or, len, index,
// js, default, upper, lower, trim, toJson, printf with %s %v %d, join). An
// unknown function is a TemplateError, never silently empty output.
import { TemplateError } from './errors.js';

type Node =
  | { k: 'text'; v: string }
  | { k: 'out'; p: Pipe }
  | { k: 'if'; branches: { cond: Pipe; body: Node[] }[]; otherwise: Node[] }
  | { k: 'range'; vars: string[]; p: Pipe; body: Node[]; otherwise: Node[] }
  | { k: 'with'; p: Pipe; body: Node[]; otherwise: Node[] };
type Arg =
  | { k: 'field'; base?: string; path: string[] }
  | { k: 'lit'; v: unknown }
  | { k: 'call'; name: string; args: Arg[] }
  | { k: 'sub'; p: Pipe };
type Pipe = { decl?: string; cmds: Arg[][] };

const ACTION = /\{\{(-\s)?([\s\S]*?)(\s-)?\}\}/g;

function lex(src: string): (string | { a: string })[] {
  const parts: (string | { a: string })[] = [];
  let last = 0;
  let trimNext = false;
  for (const m of src.matchAll(ACTION)) {
    let text = src.slice(last, m.index);
    if (trimNext) text = text.replace(/^\s+/, '');
    if (m[1]) text = text.replace(/\s+$/, '');
    if (text) parts.push(text);
    const body = m[2]!.trim();
    if (!body.startsWith('/*')) parts.push({ a: body });
    trimNext = Boolean(m[3]);
    last = m.index + m[0].length;
  }
  let tail = src.slice(last);
  if (trimNext) tail = tail.replace(/^\s+/, '');
  if (tail) parts.push(tail);
  return parts;
}

function words(s: string): string[] {
  const out: string[] = [];
  const re = /\s*("(?:[^"\\]|\\.)*"|`[^`]*`|'(?:[^'\\]|\\.)'|\(|\)|\||[^\s()|]+)/g;
  for (const m of s.matchAll(re)) out.push(m[1]!);
  return out;
}

function parsePipe(src: string): Pipe {
  const w = words(src);
  let i = 0;
  let decl: string | undefined;
  if (w[0]?.startsWith('$') && (w[1] === ':=' || w[1] === '=')) {
    decl = w[0];
    i = 2;
  }
  const parseCmds = (stop?: string): Arg[][] => {
    const cmds: Arg[][] = [[]];
    while (i < w.length && w[i] !== stop) {
      const tok = w[i++]!;
      if (tok === '|') cmds.push([]);
      else if (tok === '(') {
        const inner = parseCmds(')');
        i++;
        cmds.at(-1)!.push({ k: 'sub', p: { cmds: inner } });
      } else cmds.at(-1)!.push(arg(tok));
    }
    return cmds;
  };
  return { ...(decl ? { decl } : {}), cmds: parseCmds() };
}

function arg(tok: string): Arg {
  if (tok.startsWith('"')) return { k: 'lit', v: JSON.parse(tok) as string };
  if (tok.startsWith('`')) return { k: 'lit', v: tok.slice(1, -1) };
  if (/^-?[0-9]/.test(tok)) return { k: 'lit', v: Number(tok) };
  if (tok === 'true' || tok === 'false') return { k: 'lit', v: tok === 'true' };
  if (tok === 'nil') return { k: 'lit', v: null };
  if (tok === '.') return { k: 'field', path: [] };
  if (tok.startsWith('.')) return { k: 'field', path: tok.slice(1).split('.') };
  if (tok.startsWith('$')) {
    const [base, ...path] = tok.split('.');
    return { k: 'field', base: base!, path };
  }
  return { k: 'call', name: tok, args: [] };
}

function parse(parts: (string | { a: string })[]): Node[] {
  let i = 0;
  const block = (): { nodes: Node[]; end: string } => {
    const nodes: Node[] = [];
    while (i < parts.length) {
      const part = parts[i++]!;
      if (typeof part === 'string') {
        nodes.push({ k: 'text', v: part });
        continue;
      }
      const a = part.a;
      const [kw] = a.split(/\s+/, 1);
      if (kw === 'end' || kw === 'else') return { nodes, end: a };
      if (kw === 'if') {
        const branches = [{ cond: parsePipe(a.slice(2)), body: [] as Node[] }];
        let otherwise: Node[] = [];
        for (;;) {
          const b = block();
          if (b.end.startsWith('else if')) {
            branches.at(-1)!.body = b.nodes;
            branches.push({ cond: parsePipe(b.end.slice(7)), body: [] });
          } else if (b.end === 'else') {
            branches.at(-1)!.body = b.nodes;
            const rest = block();
            otherwise = rest.nodes;
            break;
          } else {
            branches.at(-1)!.body = b.nodes;
            break;
          }
        }
        nodes.push({ k: 'if', branches, otherwise });
      } else if (kw === 'range' || kw === 'with') {
        let rest = a.slice(kw.length).trim();
        const vars: string[] = [];
        const decl = /^(\$\w*)\s*(?:,\s*(\$\w*)\s*)?:=\s*/.exec(rest);
        if (decl && kw === 'range') {
          vars.push(decl[1]!, ...(decl[2] ? [decl[2]] : []));
          rest = rest.slice(decl[0].length);
        }
        const b = block();
        const otherwise = b.end === 'else' ? block().nodes : [];
        const p = parsePipe(rest);
        nodes.push(
          kw === 'range'
            ? { k: 'range', vars, p, body: b.nodes, otherwise }
            : { k: 'with', p, body: b.nodes, otherwise },
        );
      } else nodes.push({ k: 'out', p: parsePipe(a) });
    }
    return { nodes, end: '' };
  };
  const { nodes, end } = block();
  if (end) throw new TemplateError(`unexpected {{${end}}}`);
  return nodes;
}

type Scope = { dot: unknown; vars: Map<string, unknown> };

const empty = (v: unknown) =>
  v === null ||
  v === undefined ||
  v === false ||
  v === 0 ||
  v === '' ||
  (Array.isArray(v) && v.length === 0) ||
  (typeof v === 'object' && Object.keys(v as object).length === 0);

const text = (v: unknown): string =>
  v === null || v === undefined
    ? '<no value>'
    : typeof v === 'object'
      ? JSON.stringify(v)
      : String(v);

const FUNCS: Record<string, (...a: unknown[]) => unknown> = {
  eq: (a, ...bs) => bs.some((b) => a === b),
  ne: (a, b) => a !== b,
  lt: (a, b) => (a as number) < (b as number),
  le: (a, b) => (a as number) <= (b as number),
  gt: (a, b) => (a as number) > (b as number),
  ge: (a, b) => (a as number) >= (b as number),
  not: (a) => empty(a),
  and: (...a) => a.find(empty) ?? a.at(-1),
  or: (...a) => a.find((x) => !empty(x)) ?? a.at(-1),
  len: (a) =>
    Array.isArray(a) || typeof a === 'string'
      ? a.length
      : a && typeof a === 'object'
        ? Object.keys(a).length
        : 0,
  index: (a, ...keys) =>
    keys.reduce(
      (o: unknown, k) =>
        o && typeof o === 'object' ? (o as Record<string, unknown>)[String(k)] : undefined,
      a,
    ),
  js: (a) =>
    JSON.stringify(String(a ?? ''))
      .slice(1, -1)
      .replace(/'/g, "\\'"),
  default: (d, v) => (empty(v) ? d : v),
  upper: (a) => String(a ?? '').toUpperCase(),
  lower: (a) => String(a ?? '').toLowerCase(),
  trim: (a) => String(a ?? '').trim(),
  toJson: (a) => JSON.stringify(a ?? null),
  join: (sep, list) => (Array.isArray(list) ? list.map(String).join(String(sep)) : ''),
  printf: (f, ...a) => {
    let n = 0;
    return String(f).replace(/%[svdq%]/g, (m) =>
      m === '%%' ? '%' : m === '%q' ? JSON.stringify(String(a[n++])) : String(a[n++] ?? ''),
    );
  },
};

function evalArg(a: Arg, s: Scope, piped: unknown[]): unknown {
  switch (a.k) {
    case 'lit':
      return a.v;
    case 'sub':
      return evalPipe(a.p, s);
    case 'field': {
      let v: unknown =
        a.base === undefined ? s.dot : a.base === '$' ? s.vars.get('$') : s.vars.get(a.base);
      if (a.base !== undefined && a.base !== '$' && !s.vars.has(a.base))
        throw new TemplateError(`undefined variable ${a.base}`);
      for (const key of a.path)
        v = v && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined;
      return v;
    }
    case 'call': {
      const f = FUNCS[a.name];
      if (!f) throw new TemplateError(`function ${JSON.stringify(a.name)} not defined`);
      return f(...piped);
    }
  }
}

function evalPipe(p: Pipe, s: Scope): unknown {
  let prev: unknown[] = [];
  for (const cmd of p.cmds) {
    const [head, ...rest] = cmd;
    if (!head) throw new TemplateError('empty command');
    const args = rest.map((a) => evalArg(a, s, []));
    const v = head.k === 'call' ? evalArg(head, s, [...args, ...prev]) : evalArg(head, s, []);
    prev = [v];
  }
  const v = prev[0];
  if (p.decl) s.vars.set(p.decl, v);
  return v;
}

function exec(nodes: Node[], s: Scope, out: string[]): void {
  for (const n of nodes) {
    switch (n.k) {
      case 'text':
        out.push(n.v);
        break;
      case 'out': {
        const v = evalPipe(n.p, s);
        if (!n.p.decl) out.push(text(v));
        break;
      }
      case 'if': {
        const hit = n.branches.find((b) => !empty(evalPipe(b.cond, s)));
        exec(hit ? hit.body : n.otherwise, s, out);
        break;
      }
      case 'with': {
        const v = evalPipe(n.p, s);
        if (empty(v)) exec(n.otherwise, s, out);
        else exec(n.body, { dot: v, vars: s.vars }, out);
        break;
      }
      case 'range': {
        const v = evalPipe(n.p, s);
        const entries: [unknown, unknown][] = Array.isArray(v)
          ? v.map((x, i) => [i, x])
          : v && typeof v === 'object'
            ? Object.entries(v).sort(([a], [b]) => a.localeCompare(b))
            : [];
        if (entries.length === 0) exec(n.otherwise, s, out);
        for (const [k, x] of entries) {
          const vars = new Map(s.vars);
          if (n.vars.length === 1) vars.set(n.vars[0]!, x);
          if (n.vars.length === 2) {
            vars.set(n.vars[0]!, k);
            vars.set(n.vars[1]!, x);
          }
          exec(n.body, { dot: x, vars }, out);
        }
        break;
      }
    }
  }
}

/** A compiled template: render it with a data object (the template's `.`). */
export type Template = (data: unknown) => string;

/** Compiles a Go text/template; throws {@link TemplateError} on syntax it does not support. */
export function compileTemplate(src: string): Template {
  const nodes = parse(lex(src));
  return (data) => {
    const out: string[] = [];
    exec(nodes, { dot: data, vars: new Map([['$', data]]) }, out);
    return out.join('');
  };
}
