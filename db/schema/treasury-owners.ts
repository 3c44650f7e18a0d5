import { sql } from "drizzle-orm";
import { bigserial, check, pgTable, text, timestamp, uniqueIndex } from "drizzle-orm/pg-core";

/**
 * Treasury owners added by an admin in the console (lib/payment-core/treasury/owners.ts): with
 * the addresses in X402_TREASURY_OWNERS, the wallets whose EIP-712 signature approves a payer-key
 * rotation. Removal is a soft delete (removed_at, removed_by) so the history stays: who could
 * approve when. An address is active at most once; once removed it may be added again (a new row).
 */
export const treasuryOwners = pgTable(
  "treasury_owners",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    /** Lower-case 0x address (the console shows it checksummed). */
    address: text("address").notNull(),
    label: text("label"),
    /** The console user (email) or CLI actor who added it. */
    addedBy: text("added_by").notNull(),
    addedAt: timestamp("added_at", { withTimezone: true }).notNull().defaultNow(),
    removedBy: text("removed_by"),
    removedAt: timestamp("removed_at", { withTimezone: true }),
  },
  (t) => [
    uniqueIndex("treasury_owners_active_address").on(t.address).where(sql`${t.removedAt} IS NULL`),
    check("treasury_owners_address_lower_hex", sql`${t.address} ~ '^0x[0-9a-f]{40}$'`),
    check("treasury_owners_removed_both", sql`(${t.removedAt} IS NULL) = (${t.removedBy} IS NULL)`),
  ],
);
