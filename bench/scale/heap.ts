// What a role's heap holds, from a V8 heap snapshot: self size by constructor,
// plain objects told apart by their property names (an Application, a
// managedFields leaf, a status condition...), strings by size, and (from the
// command line) the strings held in more than one copy.
// Run `npx tsx bench/scale/heap.ts <file.heapsnapshot> [top]`.
import { readFile } from 'node:fs/promises';

interface Snapshot {
  snapshot: {
    meta: {
      node_fields: string[];
      node_types: [string[], ...unknown[]];
      edge_fields: string[];
      edge_types: [string[], ...unknown[]];
    };
  };
  nodes: number[];
  edges: number[];
  strings: string[];
}

/** One row of the summary. */
export interface HeapRow {
  readonly what: string;
  readonly count: number;
  readonly bytes: number;
}

/** Self sizes grouped by what each node is; largest first. */
export function summarizeHeap(s: Snapshot): { total: number; rows: HeapRow[] } {
  const { node_fields: nf, node_types: nt, edge_fields: ef, edge_types: et } = s.snapshot.meta;
  const NF = nf.length;
  const EF = ef.length;
  const typeAt = nf.indexOf('type');
  const nameAt = nf.indexOf('name');
  const sizeAt = nf.indexOf('self_size');
  const edgesAt = nf.indexOf('edge_count');
  const edgeTypeAt = ef.indexOf('type');
  const edgeNameAt = ef.indexOf('name_or_index');
  const nodeTypes = nt[0];
  const edgeTypes = et[0];
  const property = edgeTypes.indexOf('property');
  const groups = new Map<string, { count: number; bytes: number }>();
  let total = 0;
  let edge = 0;
  for (let n = 0; n < s.nodes.length; n += NF) {
    const type = nodeTypes[s.nodes[n + typeAt]!] ?? '?';
    const name = s.strings[s.nodes[n + nameAt]!] ?? '';
    const size = s.nodes[n + sizeAt]!;
    const edges = s.nodes[n + edgesAt]!;
    let what: string;
    if (type === 'object' && name === 'Object') {
      // A plain object: named by its first property names.
      const keys: string[] = [];
      for (let e = edge; e < edge + edges * EF && keys.length < 4; e += EF) {
        const key = s.strings[s.edges[e + edgeNameAt]!]!;
        if (s.edges[e + edgeTypeAt] === property && key !== '__proto__') keys.push(key);
      }
      what = keys.length === 0 ? 'Object {}' : `Object {${keys.join(',')}}`;
    } else if (type === 'string' || type === 'concatenated string' || type === 'sliced string') {
      what = `string ${size < 64 ? '<64 B' : size < 1024 ? '<1 KiB' : size < 65536 ? '<64 KiB' : '>=64 KiB'}`;
    } else if (type === 'code' || type === 'hidden' || type === 'array' || type === 'native') {
      what = `(${type}) ${name.length > 40 ? `${name.slice(0, 40)}…` : name}`;
    } else what = `${type} ${name.length > 60 ? `${name.slice(0, 60)}…` : name}`;
    const g = groups.get(what) ?? { count: 0, bytes: 0 };
    g.count++;
    g.bytes += size;
    groups.set(what, g);
    total += size;
    edge += edges * EF;
  }
  const rows = [...groups].map(([what, g]) => ({ what, ...g })).sort((a, b) => b.bytes - a.bytes);
  return { total, rows };
}

/** The summary as text lines. */
export function formatHeap(summary: { total: number; rows: HeapRow[] }, top = 30): string[] {
  const mib = (b: number) => (b / 1048576).toFixed(2);
  return [
    `heap: ${mib(summary.total)} MiB in self sizes`,
    ...summary.rows
      .slice(0, top)
      .map((r) => `${mib(r.bytes).padStart(8)} MiB ${String(r.count).padStart(9)}  ${r.what}`),
  ];
}

/** Strings held more than once with the same value, by the bytes the extra copies take. */
export function duplicateStrings(s: Snapshot): { wasted: number; rows: HeapRow[] } {
  const { node_fields: nf, node_types: nt } = s.snapshot.meta;
  const NF = nf.length;
  const typeAt = nf.indexOf('type');
  const nameAt = nf.indexOf('name');
  const sizeAt = nf.indexOf('self_size');
  const string = nt[0].indexOf('string');
  const byValue = new Map<string, { count: number; bytes: number }>();
  for (let n = 0; n < s.nodes.length; n += NF) {
    if (s.nodes[n + typeAt] !== string) continue;
    const value = s.strings[s.nodes[n + nameAt]!] ?? '';
    const g = byValue.get(value) ?? { count: 0, bytes: 0 };
    g.count++;
    g.bytes += s.nodes[n + sizeAt]!;
    byValue.set(value, g);
  }
  const rows = [...byValue]
    .filter(([, g]) => g.count > 1)
    .map(([value, g]) => ({
      what: JSON.stringify(value.slice(0, 60)),
      count: g.count,
      bytes: g.bytes - g.bytes / g.count,
    }))
    .sort((a, b) => b.bytes - a.bytes);
  return { wasted: rows.reduce((sum, r) => sum + r.bytes, 0), rows };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [file, top] = process.argv.slice(2);
  if (!file) {
    console.error('usage: npx tsx bench/scale/heap.ts <file.heapsnapshot> [top]');
    process.exit(2);
  }
  const s = JSON.parse(await readFile(file, 'utf8')) as Snapshot;
  console.log(formatHeap(summarizeHeap(s), Number(top ?? 30)).join('\n'));
  const dup = duplicateStrings(s);
  console.log(`duplicate strings: ${(dup.wasted / 1048576).toFixed(2)} MiB in extra copies`);
  console.log(formatHeap({ total: dup.wasted, rows: dup.rows }, 10).slice(1).join('\n'));
}
