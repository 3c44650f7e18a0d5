import type { Sql } from "postgres";

/**
 * postgres.js, behind a transaction-mode pooler, without pipelining.
 *
 * postgres.js pipelines: when every connection of its pool is busy, it writes the next statement
 * behind one still running. Without prepared statements (as a transaction pooler needs), it sends
 * a statement with parameters as Parse/Describe/Flush, waits for the server's description, then
 * binds it. Queued behind another statement, PgBouncer (1.18) hands the server connection back to
 * its pool at that statement's end (its ReadyForQuery says idle), in the middle of the next one:
 * the description never comes back and the connection hangs for good (db/pooled.test.ts sends
 * such a mix). postgres.js's own switch (`max_pipeline: 0`) also stops it from reserving the
 * connection of a `sql.begin` transaction, so it cannot be used.
 *
 * This gate keeps the pool from ever needing to pipeline: at most `max` statements or
 * transactions (the pool's size) are under way at once outside a transaction; the rest wait
 * their turn here, in order. Inside a transaction statements may still pipeline: the pooler keeps
 * the server connection for the whole transaction.
 */

interface QueryLike {
  handler: (query: unknown) => unknown;
  handle: () => unknown;
  executed: boolean;
}

const isQuery = (value: unknown): value is QueryLike =>
  typeof value === "object" &&
  value !== null &&
  typeof (value as QueryLike).handle === "function" &&
  typeof (value as QueryLike).handler === "function";

export function withoutPipelining(client: Sql, max: number): Sql {
  let free = max;
  const waiting: (() => void)[] = [];
  const acquire = (): Promise<void> => {
    if (free > 0) {
      free--;
      return Promise.resolve();
    }
    return new Promise((resolve) => waiting.push(resolve));
  };
  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else free++;
  };

  /** A statement runs once a turn is free; the turn is given back when it settles. */
  const gate = <T>(value: T): T => {
    if (!isQuery(value)) return value;
    const run = value.handler;
    value.handler = (query: unknown) => {
      // Settled either way: the native then, which does not start the statement again.
      Promise.prototype.then.call(value, release, release);
      void acquire().then(() => run(query));
    };
    return value;
  };

  return new Proxy(client, {
    apply(target, self, args) {
      return gate(Reflect.apply(target, self, args));
    },
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (property === "unsafe" || property === "file") {
        return (...args: unknown[]) => gate((value as (...a: unknown[]) => unknown).apply(target, args));
      }
      if (property === "begin") {
        // A transaction holds one connection from its BEGIN to its COMMIT: one turn for all of it.
        return async (...args: unknown[]) => {
          await acquire();
          try {
            return await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          } finally {
            release();
          }
        };
      }
      return value;
    },
  }) as Sql;
}
