import type pg from 'pg';

// COPY ... FROM STDIN with the plain pg driver, through its Submittable interface (the way pg-copy-streams plugs
// in), so that the hot path needs no extra package. The whole payload is in memory already (one batch), so it is
// sent as one CopyData message rather than streamed.
class CopyFromStdin implements pg.Submittable {
  readonly done: Promise<number>;
  private resolve!: (rows: number) => void;
  private reject!: (e: Error) => void;
  private rows = 0;
  private settled = false;

  constructor(
    readonly text: string,
    private readonly data: Buffer,
  ) {
    this.done = new Promise<number>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  submit(connection: any) {
    connection.query(this.text);
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  handleCopyInResponse(connection: any) {
    connection.sendCopyFromChunk(this.data);
    connection.endCopyFrom();
  }

  handleCommandComplete(msg: { text?: string }) {
    this.rows = Number(/(\d+)$/.exec(msg.text ?? '')?.[1] ?? 0);
  }

  handleReadyForQuery() {
    if (this.settled) return;
    this.settled = true;
    this.resolve(this.rows);
  }

  // Server errors and a lost connection both end here; after a server error pg dispatches the following
  // ReadyForQuery to no query, so this is the only answer.
  handleError(e: Error) {
    if (this.settled) return;
    this.settled = true;
    this.reject(e);
  }

  handleEmptyQuery() {}
  handleRowDescription() {}
  handleDataRow() {}
  handleCopyData() {}
  handlePortalSuspended() {}
}

// Resolves with the number of rows copied.
export function copyFrom(client: pg.ClientBase, sql: string, text: string | Buffer): Promise<number> {
  const copy = new CopyFromStdin(sql, typeof text === 'string' ? Buffer.from(text) : text);
  client.query(copy);
  return copy.done;
}
