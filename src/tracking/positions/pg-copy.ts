import type pg from 'pg';

// COPY ... FROM STDIN with the plain pg driver, through its Submittable interface (the way pg-copy-streams plugs
// in), so that the hot path needs no extra package. The whole payload is in memory already (one batch), so it is
// sent as one CopyData message rather than streamed.
//
// Sent ahead (copyThenQuery): a simple-protocol query string with a COPY ... FROM STDIN among its statements
// ("BEGIN; COPY t FROM STDIN; <more>; COMMIT") goes with its data in one write. PostgreSQL reads the CopyData when
// it reaches the COPY and then runs the statements after it, so the whole string costs one round trip. Otherwise
// (copyFrom) the data goes once the server asks for it (CopyInResponse): two round trips, each waiting for a turn of
// this process's event loop, which under load is the larger part of a position batch's time. When the string
// fails before or during the COPY, PostgreSQL drops data sent ahead ("any subsequent CopyData, CopyDone, or CopyFail
// messages issued by the frontend will simply be dropped", protocol flow, COPY operations) and skips the rest of the
// string.
class CopyQuery implements pg.Submittable {
  readonly done: Promise<{ tag: string; rows: (string | null)[][] }>;
  private resolve!: (answer: { tag: string; rows: (string | null)[][] }) => void;
  private reject!: (e: Error) => void;
  private tag = ''; // the last statement's command tag ("COPY 1000")
  private rows: (string | null)[][] = []; // the last row set, as text
  private settled = false;

  constructor(
    readonly text: string,
    private readonly data: Buffer,
    private readonly ahead: boolean,
  ) {
    this.done = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  submit(connection: any) {
    if (!this.ahead) return connection.query(this.text);
    const stream = connection.stream as { cork?: () => void; uncork?: () => void };
    stream.cork?.();
    connection.query(this.text);
    this.sendData(connection);
    stream.uncork?.();
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  private sendData(connection: any) {
    connection.sendCopyFromChunk(this.data);
    connection.endCopyFrom();
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  handleCopyInResponse(connection: any) {
    if (!this.ahead) this.sendData(connection);
  }

  handleCommandComplete(msg: { text?: string }) {
    this.tag = msg.text ?? '';
  }

  // Each statement that answers with rows starts a row set.
  handleRowDescription() {
    this.rows = [];
  }

  handleDataRow(msg: { fields: (string | null)[] }) {
    this.rows.push(msg.fields);
  }

  handleReadyForQuery() {
    if (this.settled) return;
    this.settled = true;
    this.resolve({ tag: this.tag, rows: this.rows });
  }

  // Server errors and a lost connection both end here; after a server error pg dispatches the following
  // ReadyForQuery to no query, so this is the only answer.
  handleError(e: Error) {
    if (this.settled) return;
    this.settled = true;
    this.reject(e);
  }

  handleEmptyQuery() {}
  handleCopyData() {}
  handlePortalSuspended() {}
}

function run(client: pg.ClientBase, sql: string, data: string | Buffer, ahead: boolean) {
  const q = new CopyQuery(sql, typeof data === 'string' ? Buffer.from(data) : data, ahead);
  client.query(q);
  return q.done;
}

// Resolves with the number of rows copied (`sql` ends with the COPY: "COPY ..." or "BEGIN; COPY ...").
export async function copyFrom(client: pg.ClientBase, sql: string, text: string | Buffer): Promise<number> {
  const { tag } = await run(client, sql, text, false);
  return Number(/(\d+)$/.exec(tag)?.[1] ?? 0);
}

// Runs `sql`, a query string with one COPY ... FROM STDIN among its statements, with `data` sent ahead in the same
// write; resolves with the rows of the last statement that answered with rows, as text.
export async function copyThenQuery(client: pg.ClientBase, sql: string, data: string | Buffer): Promise<(string | null)[][]> {
  return (await run(client, sql, data, true)).rows;
}
