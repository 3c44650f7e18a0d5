import { boolean, pgEnum, pgTable, text, timestamp } from "drizzle-orm/pg-core";

export const walletRole = pgEnum("wallet_role", ["payer", "treasury"]);

/** Wallets the product pays from or funds from; rotation retires one and activates another. */
export const wallets = pgTable("wallets", {
  address: text("address").primaryKey(),
  label: text("label").notNull(),
  network: text("network").notNull(),
  role: walletRole("role").notNull(),
  active: boolean("active").notNull().default(true),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  retiredAt: timestamp("retired_at", { withTimezone: true }),
});
