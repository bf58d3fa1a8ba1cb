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

// A simple-protocol query string with a COPY ... FROM STDIN among its statements ("BEGIN; COPY t FROM STDIN; <more>;
// COMMIT"), sent with its data in one write: PostgreSQL reads the CopyData when it reaches the COPY and then runs the
// statements after it, so the whole string costs one round trip. copyFrom's two (query, then the data once the
// server asks for it) each wait for a turn of this process's event loop, which under load is the larger part of a
// batch's time. When the string fails before or during the COPY, PostgreSQL drops the data sent ahead ("any
// subsequent CopyData, CopyDone, or CopyFail messages issued by the frontend will simply be dropped", protocol
// flow, COPY operations) and skips the rest of the string.
class PipelinedCopy implements pg.Submittable {
  readonly done: Promise<(string | null)[][]>;
  private resolve!: (rows: (string | null)[][]) => void;
  private reject!: (e: Error) => void;
  private rows: (string | null)[][] = [];
  private settled = false;

  constructor(
    readonly text: string,
    private readonly data: Buffer,
  ) {
    this.done = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  submit(connection: any) {
    const stream = connection.stream as { cork?: () => void; uncork?: () => void };
    stream.cork?.();
    connection.query(this.text);
    connection.sendCopyFromChunk(this.data);
    connection.endCopyFrom();
    stream.uncork?.();
  }

  handleCopyInResponse() {} // the data went with the query

  // Each statement that answers with rows starts a row set: the answer is the last one's.
  handleRowDescription() {
    this.rows = [];
  }

  handleDataRow(msg: { fields: (string | null)[] }) {
    this.rows.push(msg.fields);
  }

  handleCommandComplete() {}

  handleReadyForQuery() {
    if (this.settled) return;
    this.settled = true;
    this.resolve(this.rows);
  }

  handleError(e: Error) {
    if (this.settled) return;
    this.settled = true;
    this.reject(e);
  }

  handleEmptyQuery() {}
  handleCopyData() {}
  handlePortalSuspended() {}
}

// Resolves with the number of rows copied.
export function copyFrom(client: pg.ClientBase, sql: string, text: string | Buffer): Promise<number> {
  const copy = new CopyFromStdin(sql, typeof text === 'string' ? Buffer.from(text) : text);
  client.query(copy);
  return copy.done;
}

// Runs `sql`, a query string with one COPY ... FROM STDIN among its statements, with `data` sent ahead in the same
// write (see PipelinedCopy); resolves with the rows of the last statement that answered with rows, as text.
export function copyThenQuery(client: pg.ClientBase, sql: string, data: string | Buffer): Promise<(string | null)[][]> {
  const q = new PipelinedCopy(sql, typeof data === 'string' ? Buffer.from(data) : data);
  client.query(q);
  return q.done;
}
