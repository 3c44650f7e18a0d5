import type { Sql } from "postgres";

/**
 * postgres.js, with drizzle's statements prepared.
 *
 * Drizzle runs each statement as `client.unsafe(text, params, { prepare: false })`, so without
 * this every statement would be parsed and planned anew, where postgres.js's tagged templates
 * (what the raw SQL used to be) are named prepared statements, kept per connection. For the
 * budget engine's hot statement that is a measurable cost: unprepared, postgres.js waits for the
 * server's description of each statement before binding it, one more round trip (measured
 * 2026-12-06 with `npm run bench:budget -- --seconds 10 --pgbouncer-rounds 0`, back to back:
 * single-caller reserve p50 1.61 ms before the move to drizzle, 2.10 ms unprepared, 1.22 ms
 * with this; cycles/s over pgbench -N 0.25, 0.17, 0.25). This handle prepares every statement that carries parameters, on the pool and on
 * the handles of its transactions and savepoints. Statements without parameters are left
 * unprepared: their text is where raw SQL inlines names (a backup's tables), and postgres.js
 * never evicts a prepared statement. Only for a direct or session-mode connection: a
 * transaction pooler moves a client between server connections (./no-pipeline.ts handles that
 * mode).
 */
export function preparing(client: Sql): Sql {
  return new Proxy(client, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (property === "unsafe") {
        return (text: string, params?: unknown[], options?: Record<string, unknown>) =>
          (value as (...a: unknown[]) => unknown).call(
            target,
            text,
            params,
            params && params.length > 0 ? { ...options, prepare: true } : options,
          );
      }
      if (property === "begin" || property === "savepoint") {
        // The callback is last (begin's mode string, savepoint's name may come before it).
        return (...args: unknown[]) => {
          const fn = args.pop() as (handle: Sql) => unknown;
          return (value as (...a: unknown[]) => unknown).apply(target, [
            ...args,
            (handle: Sql) => fn(preparing(handle)),
          ]);
        };
      }
      return value;
    },
  });
}
