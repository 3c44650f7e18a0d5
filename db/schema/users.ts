import { boolean, pgEnum, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";

/**
 * The console's roles, ordered from least to most privileged: the one list of them (the domain
 * re-exports it as `ROLES`, the demo seed makes one user per role). The order is the enum's
 * order in the database; a new role is added here and migrated.
 */
export const USER_ROLES = ["viewer", "operator", "approver", "admin"] as const;

export const userRole = pgEnum("user_role", USER_ROLES);

export const users = pgTable("users", {
  id: uuid("id").primaryKey().defaultRandom(),
  email: text("email").notNull().unique(),
  name: text("name"),
  passwordHash: text("password_hash").notNull(),
  role: userRole("role").notNull(),
  disabled: boolean("disabled").notNull().default(false),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});
