import { jsonb, pgTable, text, timestamp } from "drizzle-orm/pg-core";

/** Runtime settings read on every use; the kill switch lives here under `kill_switch`. */
export const settings = pgTable("settings", {
  key: text("key").primaryKey(),
  value: jsonb("value").notNull(),
  updatedBy: text("updated_by").notNull(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  reason: text("reason"),
});
