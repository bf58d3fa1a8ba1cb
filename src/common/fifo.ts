// A first-in first-out queue with O(1) push and shift. Array.prototype.shift() copies the whole array once it is
// large (V8 cannot trim arrays in large-object space): with tens of thousands of queued items, as in the position
// writer under load, every shift cost a copy and the writer's own bookkeeping took most of the CPU (bench/README.md,
// "ingest"). Items live in an array read from `head`; the consumed prefix is dropped once it is half the array.
export class Fifo<T> {
  private items: (T | undefined)[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
  }

  // The oldest item, or undefined when empty.
  peek(): T | undefined {
    return this.head < this.items.length ? this.items[this.head] : undefined;
  }

  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head];
    this.items[this.head++] = undefined;
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  // Removes and returns everything, oldest first.
  drain(): T[] {
    const out = this.items.slice(this.head) as T[];
    this.items = [];
    this.head = 0;
    return out;
  }
}
