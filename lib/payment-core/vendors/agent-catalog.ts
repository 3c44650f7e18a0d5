import { sql } from "drizzle-orm";
import type { Database } from "@/db/client";
import { hostAllowed, payeeAllowed } from "../agents/vendor-policy";
import type { Micro } from "../support/money";
import { pinState } from "./read";

/** The catalog as one agent's MCP tool `list_vendors` shows it: the vendors it may pay and their prices. */
export interface CatalogEntry {
  host: string;
  description: string | null;
  /** The pinned payTo: the only address the payer pays this vendor at (null: not pinned yet). */
  payTo: string | null;
  /** False when the vendor asked or advertised another payTo: payments to it are refused. */
  payable: boolean;
  resources: {
    url: string;
    method: string;
    scheme: string;
    /** USDC micro; null when unknown. */
    advertisedMicro: Micro | null;
    askedMicro: Micro | null;
    description: string | null;
  }[];
}

/**
 * The catalog's vendors an agent may pay under its allowlist (`hosts`: empty allows any), the most
 * recently seen first, at most `limit`, each with up to `resourcesEach` resources: two indexed reads.
 */
export async function catalogForAgent(
  db: Database,
  policy: { hosts: string[]; payees: string[] },
  options: { limit?: number; resourcesEach?: number } = {},
): Promise<CatalogEntry[]> {
  const limit = options.limit ?? 50;
  const each = options.resourcesEach ?? 20;
  // Narrowed by the hosts without their ports (an index-free but bounded read of the catalog), then
  // judged exactly as the payer judges a URL (hostAllowed, with either scheme's default port).
  const vendors = await db.execute<{
    host: string;
    description: string | null;
    pay_to: string | null;
    accepted_pay_to: string | null;
  }>(sql`
    SELECT host, description, pay_to, accepted_pay_to FROM vendors
    WHERE ${policy.hosts.length === 0 ? sql`true` : sql`regexp_replace(host, ':[0-9]+$', '') = ANY(${sql.param(policy.hosts.map((h) => h.toLowerCase().replace(/:[0-9]+$/, "")))}::text[])`}
    ORDER BY last_seen DESC LIMIT ${limit * 4}`);
  const allowed = vendors
    .filter((v) =>
      [new URL(`http://${v.host}/`), new URL(`https://${v.host}/`)].some((u) => hostAllowed(policy, u)),
    )
    .filter((v) => v.accepted_pay_to === null || payeeAllowed(policy, v.accepted_pay_to))
    .slice(0, limit);
  if (allowed.length === 0) return [];
  const rows = await db.execute<{
    host: string;
    url: string;
    method: string;
    scheme: string;
    advertised_micro: bigint | null;
    asked_micro: bigint | null;
    description: string | null;
  }>(sql`
    SELECT host, url, method, scheme, advertised_micro, asked_micro, description FROM (
      SELECT r.*, row_number() OVER (PARTITION BY host ORDER BY last_seen DESC) AS n
      FROM vendor_resources r WHERE host = ANY(${sql.param(allowed.map((v) => v.host))}::text[])
    ) ranked WHERE n <= ${each} ORDER BY host, url`);
  return allowed.map((v) => ({
    host: v.host,
    description: v.description,
    payTo: v.accepted_pay_to,
    payable: pinState(v.pay_to, v.accepted_pay_to) !== "changed",
    resources: rows
      .filter((r) => r.host === v.host)
      .map((r) => ({
        url: r.url,
        method: r.method,
        scheme: r.scheme,
        advertisedMicro: r.advertised_micro,
        askedMicro: r.asked_micro,
        description: r.description,
      })),
  }));
}
