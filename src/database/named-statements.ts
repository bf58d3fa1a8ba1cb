import { createHash } from 'node:crypto';
import pg from 'pg';

// Named prepared statements for every pool connection (the pool's `Client`, see data-source.ts).
//
// An unnamed parameterised query makes PostgreSQL parse, analyse and plan its text on every execution; on the
// issue path that was most of the server's 0.3-0.4 ms per statement. A named statement is parsed once per
// connection and then only bound and executed (pg skips the Parse message once the connection has the name), and
// after five executions PostgreSQL may keep a generic plan. The name is a hash of the text, so the same text gets
// the same name on every connection and two texts never share one.
//
// What gets a name, and why the rest does not:
// - only `query(text, values)` with at least one value and a text starting with SELECT, INSERT, UPDATE, DELETE or
//   WITH: no DDL, no transaction control, no COPY, no query objects or streams (they pass through untouched);
// - nothing that mentions the partitioned `positions` table (or a partition of it): a generic plan there could
//   not prune partitions at plan time, and its writes go through COPY / unnest batches anyway;
// - at most MAX_PER_CONNECTION names per connection (server memory for the plans is per backend); texts beyond
//   that run unnamed, as before. Texts that vary with the data (an IN list per item count) use up names this way,
//   which is why the limit is there.
// A statement whose result columns change under it (DDL on a table a `SELECT *` reads, while the app runs) fails
// once with "cached plan must not change result type"; its text then gets a new name, so the next execution
// prepares it afresh. Poolers in transaction mode (PgBouncer) do not keep named statements per client: turn this
// off with DATABASE_NAMED_STATEMENTS=false there.

export const MAX_PER_CONNECTION = 256;
const NAME_CACHE_MAX = 4096;

const ELIGIBLE = /^\s*(?:SELECT|INSERT|UPDATE|DELETE|WITH)\b/i;
const PARTITIONED = /\bpositions/i;

// text -> its statement name ('' when not eligible). Bounded: cleared when full (it only saves re-hashing).
const names = new Map<string, string>();
// text -> generation, bumped when a statement's cached plan no longer fits its tables.
const generations = new Map<string, number>();

export function statementName(text: string): string | null {
  let name = names.get(text);
  if (name === undefined) {
    name = ELIGIBLE.test(text) && !PARTITIONED.test(text) ? `hz_${createHash('sha1').update(text).digest('hex').slice(0, 24)}` : '';
    const generation = generations.get(text);
    if (name && generation) name = `${name}_${generation}`;
    if (names.size >= NAME_CACHE_MAX) names.clear();
    names.set(text, name);
  }
  return name || null;
}

function renew(text: string) {
  generations.set(text, (generations.get(text) ?? 0) + 1);
  names.delete(text);
}

type Callback = (err: Error | null, res?: unknown) => void;
type QueryFn<This = pg.Client> = (this: This, config: unknown, values?: unknown, callback?: Callback) => unknown;
interface Parsed {
  connection: { parsedStatements: Record<string, string>; submittedNamedStatements: Record<string, string> };
}

const isStalePlan = (err: unknown) => (err as { code?: string } | null)?.code === '0A000' && /cached plan must not change result type/.test(String((err as Error).message));

export class NamedStatementsClient extends pg.Client {
  // Names this connection has sent to the server.
  namedCount = 0;
}

// Assigned to the prototype (not a method override) so that it calls whatever pg.Client.prototype.query is at call
// time: the benchmarks' statement counter patches that.
(NamedStatementsClient.prototype as unknown as { query: QueryFn<NamedStatementsClient> }).query = function (config, values, callback) {
  const base = pg.Client.prototype.query as unknown as QueryFn;
  if (typeof config !== 'string' || !Array.isArray(values) || values.length === 0) return base.call(this, config, values, callback);
  const name = statementName(config);
  if (!name) return base.call(this, config, values, callback);
  const { connection } = this as unknown as Parsed;
  const known = connection.parsedStatements[name] !== undefined || connection.submittedNamedStatements[name] !== undefined;
  if (!known) {
    if (this.namedCount >= MAX_PER_CONNECTION) return base.call(this, config, values, callback);
    this.namedCount++;
  }
  const q = { text: config, values, name };
  if (typeof callback === 'function') {
    return base.call(this, q, undefined, (err, res) => {
      if (err && isStalePlan(err)) renew(config);
      callback(err, res);
    });
  }
  return (base.call(this, q) as Promise<unknown>).catch((err: unknown) => {
    if (isStalePlan(err)) renew(config);
    throw err;
  });
};
