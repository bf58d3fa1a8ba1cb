import { Fifo } from './fifo.js';

describe('Fifo', () => {
  it('returns items in the order they were pushed, across compactions', () => {
    const q = new Fifo<number>();
    const out: number[] = [];
    let next = 0;
    // Interleaved pushes and shifts, long enough to trigger the compaction of the consumed prefix many times.
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < 3000; i++) q.push(next++);
      for (let i = 0; i < 2500; i++) out.push(q.shift()!);
    }
    while (q.length > 0) out.push(q.shift()!);
    expect(out).toEqual(Array.from({ length: next }, (_, i) => i));
    expect(q.shift()).toBeUndefined();
    expect(q.peek()).toBeUndefined();
  });

  it('peeks without removing, and drains what is left in order', () => {
    const q = new Fifo<string>();
    q.push('a');
    q.push('b');
    q.push('c');
    expect(q.peek()).toBe('a');
    expect(q.shift()).toBe('a');
    expect(q.length).toBe(2);
    expect(q.drain()).toEqual(['b', 'c']);
    expect(q.length).toBe(0);
    q.push('d');
    expect(q.shift()).toBe('d');
  });
});
