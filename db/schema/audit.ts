import { sql } from "drizzle-orm";
import {
  bigint,
  bigserial,
  boolean,
  check,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
} from "drizzle-orm/pg-core";

/**
 * Every change an operator makes: who, when, what, before and after. Append-only and hash-chained
 * (migration 0013): a trigger gives each row `seq` (1, 2, 3, … in one total order across
 * processes), `prev_hash` (the previous row's hash, 64 zeros for the first) and
 * `hash` = SHA-256(prev_hash || canonical JSON of the row); another refuses UPDATE, DELETE and
 * TRUNCATE. Values the writer passes for these three columns are overwritten.
 */
export const auditLog = pgTable(
  "audit_log",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    at: timestamp("at", { withTimezone: true }).notNull().defaultNow(),
    actor: text("actor").notNull(),
    action: text("action").notNull(),
    targetType: text("target_type").notNull(),
    targetId: text("target_id"),
    before: jsonb("before"),
    after: jsonb("after"),
    reason: text("reason"),
    // Defaults only so writers may leave them out: the insert trigger always sets all three.
    seq: bigint("seq", { mode: "number" }).notNull().default(sql`0`),
    prevHash: text("prev_hash").notNull().default(""),
    hash: text("hash").notNull().default(""),
    /**
     * A change made with `x402 --break-glass` (no sign-in, the console down). Set by a trigger from
     * the actor (`break-glass:<OS user>`, which the hash covers) and checked against it, so the
     * flag can neither be forged nor left off.
     */
    breakGlass: boolean("break_glass").notNull().default(false),
  },
  (t) => [
    // Keyset pages on (at, id); filters by actor and action.
    index("audit_log_at_idx").on(t.at.desc(), t.id.desc()),
    index("audit_log_actor_idx").on(t.actor, t.at.desc()),
    index("audit_log_action_idx").on(t.action, t.at.desc()),
    index("audit_log_target_idx").on(t.targetType, t.targetId, t.at.desc()),
    // The chain is linear: one row per position, no two rows after the same hash.
    uniqueIndex("audit_log_seq_key").on(t.seq),
    uniqueIndex("audit_log_prev_hash_key").on(t.prevHash),
    index("audit_log_break_glass_idx").on(t.at.desc()).where(sql`${t.breakGlass}`),
    check("audit_log_break_glass_actor", sql`${t.breakGlass} = (${t.actor} LIKE 'break-glass:%')`),
  ],
);

/** The chain's head: the last row's seq and hash. One row; the insert trigger locks it. */
export const auditChainHead = pgTable("audit_chain_head", {
  id: integer("id").primaryKey(),
  seq: bigint("seq", { mode: "number" }).notNull(),
  hash: text("hash").notNull(),
});
