// Summarises a V8 .cpuprofile (as written by BENCH_CPU_PROFILE or node --cpu-prof): self time by function and by
// package / source folder, top entries first; or a sampling .heapprofile (BENCH_ALLOC_PROFILE, node --heap-prof):
// bytes allocated, by the same keys. `node dist/bench/profile-summary.js <file> [top]`.
import { readFileSync } from 'node:fs';

type Node = { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number; children?: number[] };
type Profile = { nodes: Node[]; startTime: number; endTime: number; samples?: number[]; timeDeltas?: number[] };
type HeapNode = { id: number; callFrame: Node['callFrame']; selfSize: number; children?: HeapNode[] };

const [file, topArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: node dist/bench/profile-summary.js <file.cpuprofile|file.heapprofile> [top]');
  process.exit(2);
}
const top = Number(topArg ?? 40);
const parsed = JSON.parse(readFileSync(file, 'utf8')) as Profile | { head: HeapNode };
const heap = 'head' in parsed;
// The nodes, and their self cost: time (µs) from a CPU profile's samples and time deltas, bytes from a heap profile.
const byId = new Map<number, Pick<Node, 'callFrame'>>();
const self = new Map<number, number>();
if ('head' in parsed) {
  const walk = (n: HeapNode) => {
    byId.set(n.id, n);
    if (n.selfSize) self.set(n.id, n.selfSize);
    for (const c of n.children ?? []) walk(c);
  };
  walk(parsed.head);
} else {
  for (const n of parsed.nodes) byId.set(n.id, n);
  const samples = parsed.samples ?? [];
  const deltas = parsed.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) self.set(samples[i]!, (self.get(samples[i]!) ?? 0) + (deltas[i + 1] ?? deltas[i] ?? 0));
}
const total = [...self.values()].reduce((a, b) => a + b, 0);

const area = (url: string) => {
  if (!url) return '(native / V8)';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1]!;
  if (url.startsWith('node:')) return url;
  const dist = /\/dist\/(.*)$/.exec(url);
  if (dist) return `app: ${dist[1]!.replace(/\/[^/]+$/, '/')}`;
  return url;
};
const fnKey = (n: Pick<Node, 'callFrame'>) => `${n.callFrame.functionName || '(anonymous)'}  ${n.callFrame.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/dist\//, 'dist/')}:${n.callFrame.lineNumber + 1}`;

const sum = (key: (n: Pick<Node, 'callFrame'>) => string) => {
  const m = new Map<string, number>();
  for (const [id, t] of self) {
    const n = byId.get(id)!;
    m.set(key(n), (m.get(key(n)) ?? 0) + t);
  }
  return [...m.entries()].sort((a, b) => b[1] - a[1]);
};
const pct = (t: number) => `${((t / total) * 100).toFixed(1).padStart(5)} %`;
const what = heap ? 'Bytes allocated' : 'Self time';
console.log(heap ? `${file}: ${(total / 1e6).toFixed(1)} MB allocated (sampled)` : `${file}: ${(total / 1e6).toFixed(2)} s sampled`);
console.log(`\n${what} by package / folder`);
for (const [k, t] of sum((n) => area(n.callFrame.url)).slice(0, top)) console.log(`  ${pct(t)}  ${k}`);
console.log(`\n${what} by function`);
for (const [k, t] of sum(fnKey).slice(0, top)) console.log(`  ${pct(t)}  ${k}`);
