import { bigint, index, integer, pgTable, varchar } from "drizzle-orm/pg-core";

/**
 * rate-limiter-flexible's PostgreSQL store (sign-in throttling, the API's per-key and per-address
 * counts): one row per key, with the points used and when they expire (epoch milliseconds). The
 * column set is the library's own; the table lives in a migration so the app never creates tables
 * at run time. UNLOGGED (migration 0027): a count is written on every API request, and a write to
 * an unlogged table commits without waiting for the WAL to reach the disk; after a crash of the
 * database server the counts start again from zero (at worst one more window of requests).
 */
export const rateLimits = pgTable(
  "rate_limits",
  {
    key: varchar("key", { length: 255 }).primaryKey(),
    points: integer("points").notNull().default(0),
    expire: bigint("expire", { mode: "number" }),
  },
  (t) => [index("rate_limits_expire_idx").on(t.expire)],
);
