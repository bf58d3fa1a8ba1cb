// Compares two V8 heap snapshots (.heapsnapshot, as written by `node --heapsnapshot-signal`, v8.writeHeapSnapshot or
// `npm run soak -- --heap-snapshots`): live objects grouped by kind and constructor name (count and self size in
// each, and the difference), biggest growth first; then, for the groups that grew most, who holds them in the later
// snapshot (the retaining object's kind:name and the edge name, one and two levels up).
//
//   npm run bench:build && node dist/bench/heap-diff.js <earlier.heapsnapshot> <later.heapsnapshot> [top=30]
//
// Self sizes only (no dominator tree): growth shows as count and self size of the things that accumulate, and the
// retainer listing says where they hang. The snapshot is read without JSON.parse of the whole file (a 150 MiB
// heap gives a snapshot of several hundred MB, past V8's string length limit).
import { readFileSync } from 'node:fs';

type Snapshot = {
  nodeFields: string[];
  nodeTypes: string[];
  edgeFields: string[];
  edgeTypes: string[];
  nodes: Float64Array;
  edges: Float64Array;
  strings: string[];
};

function numbersAfter(buf: Buffer, key: string): { values: Float64Array; end: number } {
  const at = buf.indexOf(`"${key}":[`);
  if (at < 0) throw new Error(`no "${key}" array in the snapshot`);
  let i = at + key.length + 4;
  // Count first (one pass), then fill: the arrays have tens of millions of entries.
  let count = 0;
  let inNumber = false;
  let j = i;
  for (; buf[j] !== 0x5d /* ] */; j++) {
    const c = buf[j]!;
    const digit = c >= 0x30 && c <= 0x39;
    if (digit && !inNumber) count++;
    inNumber = digit;
  }
  const values = new Float64Array(count);
  let n = 0;
  let v = 0;
  inNumber = false;
  for (; i < j; i++) {
    const c = buf[i]!;
    if (c >= 0x30 && c <= 0x39) {
      v = inNumber ? v * 10 + (c - 0x30) : c - 0x30;
      inNumber = true;
    } else if (inNumber) {
      values[n++] = v;
      inNumber = false;
    }
  }
  if (inNumber) values[n++] = v;
  return { values, end: j };
}

export function readSnapshot(file: string): Snapshot {
  const buf = readFileSync(file);
  const nodesAt = buf.indexOf('"nodes":[');
  const header = JSON.parse(`${buf.subarray(0, nodesAt).toString('utf8').replace(/,\s*$/, '')}}`) as {
    snapshot: { meta: { node_fields: string[]; node_types: [string[]]; edge_fields: string[]; edge_types: [string[]] } };
  };
  const meta = header.snapshot.meta;
  const nodes = numbersAfter(buf, 'nodes').values;
  const edges = numbersAfter(buf, 'edges').values;
  const sAt = buf.indexOf('"strings":[');
  // The strings array runs to the end of the file minus the closing brace.
  const sEnd = buf.lastIndexOf(']');
  const strings = JSON.parse(buf.subarray(sAt + '"strings":'.length, sEnd + 1).toString('utf8')) as string[];
  return { nodeFields: meta.node_fields, nodeTypes: meta.node_types[0], edgeFields: meta.edge_fields, edgeTypes: meta.edge_types[0], nodes, edges, strings };
}

type Group = { count: number; size: number };

function analyse(s: Snapshot) {
  const nf = s.nodeFields.length;
  const fType = s.nodeFields.indexOf('type');
  const fName = s.nodeFields.indexOf('name');
  const fSize = s.nodeFields.indexOf('self_size');
  const fEdges = s.nodeFields.indexOf('edge_count');
  const ef = s.edgeFields.length;
  const eType = s.edgeFields.indexOf('type');
  const eName = s.edgeFields.indexOf('name_or_index');
  const eTo = s.edgeFields.indexOf('to_node');
  const nodeCount = s.nodes.length / nf;
  // Strings are grouped as one kind (their text would make every value a group of its own).
  const key = (n: number) => {
    const type = s.nodeTypes[s.nodes[n * nf + fType]!]!;
    if (type === 'string' || type === 'concatenated string' || type === 'sliced string' || type === 'number' || type === 'hidden' || type === 'code') return `(${type})`;
    return `${type}:${s.strings[s.nodes[n * nf + fName]!]!.slice(0, 80)}`;
  };
  const keys: string[] = new Array(nodeCount);
  const groups = new Map<string, Group>();
  for (let n = 0; n < nodeCount; n++) {
    const k = key(n);
    keys[n] = k;
    const g = groups.get(k) ?? { count: 0, size: 0 };
    g.count++;
    g.size += s.nodes[n * nf + fSize]!;
    groups.set(k, g);
  }
  // Retainers: for each node, its (retainer group, edge name) list (weak edges left out).
  const retainers = (targets: Set<string>) => {
    const by = new Map<string, Map<string, number>>();
    let edge = 0;
    for (let n = 0; n < nodeCount; n++) {
      const count = s.nodes[n * nf + fEdges]!;
      for (let e = 0; e < count; e++, edge++) {
        const type = s.edgeTypes[s.edges[edge * ef + eType]!]!;
        if (type === 'weak') continue;
        const to = s.edges[edge * ef + eTo]! / nf;
        const k = keys[to]!;
        if (!targets.has(k)) continue;
        const nameOrIndex = s.edges[edge * ef + eName]!;
        const label = type === 'element' || type === 'hidden' ? `[${type}]` : `.${s.strings[nameOrIndex]!.slice(0, 40)}`;
        const r = `${keys[n]}${label}`;
        const m = by.get(k) ?? new Map<string, number>();
        m.set(r, (m.get(r) ?? 0) + 1);
        by.set(k, m);
      }
    }
    return by;
  };
  return { groups, retainers, total: [...groups.values()].reduce((a, g) => a + g.size, 0), nodeCount };
}

const mb = (b: number) => `${(b / 2 ** 20).toFixed(2)} MiB`;

async function main() {
  const [a, b, topArg] = process.argv.slice(2);
  if (!a || !b) {
    console.error('usage: node dist/bench/heap-diff.js <earlier.heapsnapshot> <later.heapsnapshot> [top=30]');
    process.exit(2);
  }
  const top = Number(topArg ?? 30);
  const A = analyse(readSnapshot(a));
  const sb = readSnapshot(b);
  const B = analyse(sb);
  console.log(`earlier: ${A.nodeCount} objects, ${mb(A.total)} self size; later: ${B.nodeCount} objects, ${mb(B.total)}; difference ${mb(B.total - A.total)}`);
  const rows = [...new Set([...A.groups.keys(), ...B.groups.keys()])].map((k) => {
    const x = A.groups.get(k) ?? { count: 0, size: 0 };
    const y = B.groups.get(k) ?? { count: 0, size: 0 };
    return { k, countA: x.count, countB: y.count, sizeA: x.size, sizeB: y.size, dSize: y.size - x.size, dCount: y.count - x.count };
  });
  const largest = [...rows].sort((p, q) => q.sizeB - p.sizeB);
  console.log('\nlargest in the later snapshot (self size)');
  for (const r of largest.slice(0, Math.min(15, top))) console.log(`${r.k.slice(0, 60).padEnd(60)} ${String(r.countB).padStart(10)} ${mb(r.sizeB).padStart(12)}`);
  rows.sort((p, q) => q.dSize - p.dSize || q.sizeB - p.sizeB);
  console.log('\ngrowth by kind:name (self size), biggest first');
  console.log(`${'group'.padEnd(60)} ${'count'.padStart(21)} ${'self size'.padStart(25)} ${'Δ size'.padStart(12)}`);
  for (const r of rows.slice(0, top))
    console.log(`${r.k.slice(0, 60).padEnd(60)} ${`${r.countA} → ${r.countB}`.padStart(21)} ${`${mb(r.sizeA)} → ${mb(r.sizeB)}`.padStart(25)} ${mb(r.dSize).padStart(12)}`);
  console.log('\nshrink, biggest first');
  for (const r of rows.slice(-5).reverse()) console.log(`${r.k.slice(0, 60).padEnd(60)} ${`${r.countA} → ${r.countB}`.padStart(21)} ${mb(r.dSize).padStart(12)}`);
  const targets = new Set(rows.slice(0, Math.min(12, top)).filter((r) => r.dCount > 0).map((r) => r.k));
  const held = B.retainers(targets);
  console.log('\nwho holds the growing groups in the later snapshot (retainer kind:name.edge, count of references)');
  for (const k of targets) {
    const list = [...(held.get(k) ?? new Map()).entries()].sort((p, q) => q[1] - p[1]).slice(0, 6);
    console.log(`  ${k}`);
    for (const [r, n] of list) console.log(`      ${String(n).padStart(9)}  ${r}`);
  }
}

await main();
