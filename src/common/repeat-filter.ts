// Which of a burst of identical events to log: the first of a kind at once, then at most one per `windowMs`, saying
// how many like it were held back meanwhile. For errors that every connection, queue and retry repeats while one
// thing is wrong (PostgreSQL restarting: each queue and worker of BullMQ reports each failed poll), so that an outage
// reads as a few lines, not dozens.
export class RepeatFilter {
  private readonly seen = new Map<string, { at: number; held: number }>();

  constructor(
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
    private readonly maxKinds = 1_000,
  ) {}

  // log: whether to log this one; held: how many of its kind were not logged since the last that was.
  admit(kind: string): { log: boolean; held: number } {
    const t = this.now();
    const s = this.seen.get(kind);
    if (s && t - s.at < this.windowMs) {
      s.held++;
      return { log: false, held: s.held };
    }
    const held = s?.held ?? 0;
    this.seen.delete(kind);
    if (this.seen.size >= this.maxKinds) this.seen.delete(this.seen.keys().next().value!);
    this.seen.set(kind, { at: t, held: 0 });
    return { log: true, held };
  }
}
