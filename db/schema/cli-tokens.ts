import { sql } from "drizzle-orm";
import { check, index, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { users } from "./users";

/**
 * Personal tokens the `x402` command line signs in with (`x402 login`, or made on the Users
 * page): the CLI acts as the token's user, with that user's role read afresh on every command.
 * Only the SHA-256 of a token is stored; the token itself is shown once and kept by the CLI in a
 * file only its owner may read. A token stops working when it expires, is revoked (soft: the row
 * stays, as history of who could act when) or its user is disabled.
 */
export const cliTokens = pgTable(
  "cli_tokens",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    /** Where it is used ("laptop", "x402 login on host h"), for the Users page. */
    name: text("name").notNull(),
    /** Lower-case hex SHA-256 of the whole token. */
    tokenHash: text("token_hash").notNull(),
    /** The token's first characters, to tell tokens apart on the Users page (not enough to use one). */
    prefix: text("prefix").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    lastUsedAt: timestamp("last_used_at", { withTimezone: true }),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
    revokedBy: text("revoked_by"),
    /** The email of who made it: the user at `x402 login`, or the user or admin on the Users page. */
    createdBy: text("created_by").notNull(),
  },
  (t) => [
    uniqueIndex("cli_tokens_hash_key").on(t.tokenHash),
    index("cli_tokens_user_idx").on(t.userId, t.createdAt.desc()),
    check("cli_tokens_hash_hex", sql`${t.tokenHash} ~ '^[0-9a-f]{64}$'`),
    check("cli_tokens_revoked_both", sql`(${t.revokedAt} IS NULL) = (${t.revokedBy} IS NULL)`),
  ],
);
