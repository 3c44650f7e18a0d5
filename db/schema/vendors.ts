import { sql } from "drizzle-orm";
import {
  bigint,
  bigserial,
  check,
  index,
  pgEnum,
  pgTable,
  primaryKey,
  text,
  timestamp,
} from "drizzle-orm/pg-core";

/**
 * The vendor catalog (lib/payment-core/vendors/): every vendor the console has heard of, from the
 * facilitator's discovery list (Bazaar, `GET /discovery/resources`, the vendor-sync job) and from
 * every 402 the payer reads. Vendors send all of it, so every text is cleaned and bounded before it
 * is written (vendors/bounds.ts); the CHECKs here are the last line.
 */

/** Where an entry was learnt: the facilitator's discovery list, or a 402 the payer read. */
export const vendorSource = pgEnum("vendor_source", ["discovery", "402"]);

/** One vendor: a host (`host` or `host:port`, as the payer's URL spells it), the ledger's `vendor`. */
export const vendors = pgTable(
  "vendors",
  {
    host: text("host").primaryKey(),
    description: text("description"),
    /** How the console first heard of it. */
    source: vendorSource("source").notNull(),
    /** The payTo the vendor last advertised (discovery) or asked for (402), on the payer's network. */
    payTo: text("pay_to"),
    /**
     * The pinned payTo: the payer pays this vendor only here (a 402 asking another address is
     * refused with `vendor_payto_changed`). Pinned at first sight; replaced only by a person
     * (`x402 vendors accept-payto`, the vendor's page; audited). Null: not pinned yet.
     */
    acceptedPayTo: text("accepted_pay_to"),
    payToAcceptedAt: timestamp("pay_to_accepted_at", { withTimezone: true }),
    /** `first_seen:402`, `first_seen:discovery`, or the email of who accepted it. */
    payToAcceptedBy: text("pay_to_accepted_by"),
    firstSeen: timestamp("first_seen", { withTimezone: true }).notNull().defaultNow(),
    lastSeen: timestamp("last_seen", { withTimezone: true }).notNull().defaultNow(),
    /** Last time the discovery list had it; null: never listed. */
    lastDiscoveredAt: timestamp("last_discovered_at", { withTimezone: true }),
    /** Last time the payer read a 402 from it; null: never paid through this console. */
    last402At: timestamp("last_402_at", { withTimezone: true }),
  },
  (t) => [
    index("vendors_last_seen_idx").on(t.lastSeen.desc()),
    check("vendors_host_len", sql`length(${t.host}) BETWEEN 1 AND 260`),
    check("vendors_description_len", sql`length(${t.description}) <= 500`),
    check("vendors_pay_to_len", sql`length(${t.payTo}) <= 128 AND length(${t.acceptedPayTo}) <= 128`),
  ],
);

/**
 * One priced resource of a vendor: its URL without query (origin and path) and method. `advertised`
 * is what the discovery list says (the price for `exact`, the maximum for `upto`); `asked` what
 * the latest 402 asked. Amounts in the asset's atomic units (micro-USDC for USDC).
 */
export const vendorResources = pgTable(
  "vendor_resources",
  {
    host: text("host")
      .notNull()
      .references(() => vendors.host, { onDelete: "cascade" }),
    url: text("url").notNull(),
    method: text("method").notNull(),
    scheme: text("scheme").notNull(),
    network: text("network").notNull(),
    asset: text("asset").notNull(),
    payTo: text("pay_to").notNull(),
    advertisedMicro: bigint("advertised_micro", { mode: "bigint" }),
    advertisedAt: timestamp("advertised_at", { withTimezone: true }),
    askedMicro: bigint("asked_micro", { mode: "bigint" }),
    askedAt: timestamp("asked_at", { withTimezone: true }),
    description: text("description"),
    firstSeen: timestamp("first_seen", { withTimezone: true }).notNull().defaultNow(),
    lastSeen: timestamp("last_seen", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.url, t.method] }),
    index("vendor_resources_host_idx").on(t.host, t.url),
    check("vendor_resources_scheme", sql`${t.scheme} IN ('exact', 'upto')`),
    check("vendor_resources_url_len", sql`length(${t.url}) <= 1100`),
    check("vendor_resources_description_len", sql`length(${t.description}) <= 500`),
    check("vendor_resources_amounts", sql`${t.advertisedMicro} >= 0 AND ${t.askedMicro} >= 0`),
  ],
);

/**
 * Price history: an observation is written when a resource's scheme, amount or payTo differs from
 * the last one the same source recorded (a steady price is one row, a change is a point), and at
 * most the newest `MAX_OBSERVATIONS_PER_RESOURCE` (vendors/bounds.ts) are kept per resource and
 * source.
 */
export const vendorPriceHistory = pgTable(
  "vendor_price_history",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    host: text("host")
      .notNull()
      .references(() => vendors.host, { onDelete: "cascade" }),
    url: text("url").notNull(),
    method: text("method").notNull(),
    observedAt: timestamp("observed_at", { withTimezone: true }).notNull().defaultNow(),
    source: vendorSource("source").notNull(),
    scheme: text("scheme").notNull(),
    amountMicro: bigint("amount_micro", { mode: "bigint" }).notNull(),
    payTo: text("pay_to").notNull(),
    /** The agent whose payment read the 402; null for discovery. */
    agentId: text("agent_id"),
  },
  (t) => [
    index("vendor_price_history_resource_idx").on(t.url, t.method, t.source, t.id.desc()),
    index("vendor_price_history_host_idx").on(t.host, t.observedAt.desc()),
  ],
);
