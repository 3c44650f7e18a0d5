import { sql } from "drizzle-orm";
import { boolean, pgEnum, pgTable, text, timestamp, uniqueIndex } from "drizzle-orm/pg-core";

export const walletRole = pgEnum("wallet_role", ["payer", "treasury"]);

/** Wallets the product pays from or funds from; rotation retires one and activates another. */
export const wallets = pgTable(
  "wallets",
  {
    address: text("address").primaryKey(),
    label: text("label").notNull(),
    network: text("network").notNull(),
    role: walletRole("role").notNull(),
    active: boolean("active").notNull().default(true),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    retiredAt: timestamp("retired_at", { withTimezone: true }),
    /**
     * Where the wallet's private key lives (`env:VAR_NAME` or `file:/absolute/path`), never the key:
     * the payment path resolves it when it signs (lib/payment-core/treasury/payer-wallet.ts).
     */
    keyRef: text("key_ref"),
  },
  // One active payer: the payment path signs with exactly one key.
  (t) => [uniqueIndex("wallets_one_active_payer").on(t.role).where(sql`${t.active} AND ${t.role} = 'payer'`)],
);
