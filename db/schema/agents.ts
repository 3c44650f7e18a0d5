import { sql } from "drizzle-orm";
import { bigint, pgEnum, pgTable, text, timestamp } from "drizzle-orm/pg-core";

export const agentStatus = pgEnum("agent_status", ["active", "paused"]);

/** An AI agent that pays for HTTP resources. The id is a slug such as `builder_agent`. */
export const agents = pgTable("agents", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  /** SHA-256 of the agent's API key; the key itself is shown once and never stored. */
  apiKeyHash: text("api_key_hash").unique(),
  /** First characters of the key, so an operator can tell keys apart. */
  apiKeyPrefix: text("api_key_prefix"),
  status: agentStatus("status").notNull().default("active"),
  /**
   * Vendor policy: the hosts (`host` or `host:port`, lower-case) this agent may pay; empty means
   * any host. Read on every payment (lib/payment-core/agents/vendor-policy.ts).
   */
  allowedVendorHosts: text("allowed_vendor_hosts").array().notNull().default(sql`'{}'::text[]`),
  /** The payee addresses (checksummed) this agent may pay; empty means any payee. */
  allowedPayees: text("allowed_payees").array().notNull().default(sql`'{}'::text[]`),
  /**
   * A payment priced above this (micro-USDC) waits for a person's approval
   * (lib/payment-core/payment-approvals/); null: the environment's X402_{AGENT}_APPROVAL_ABOVE_USDC,
   * else never held. Set from the console (audited).
   */
  approvalAboveMicro: bigint("approval_above_micro", { mode: "bigint" }),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});
