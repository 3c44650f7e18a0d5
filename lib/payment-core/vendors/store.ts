import { sql } from "drizzle-orm";
import type { Database } from "@/db/client";
import type { DbOrTx } from "@/db/sql";
import { type CatalogOffer, MAX_OBSERVATIONS_PER_RESOURCE, MAX_RESOURCES_PER_VENDOR } from "./bounds";

/**
 * The catalog's writes. Each takes values already checked by bounds.ts. Every write is an upsert
 * keyed by the vendor's host or the resource's (url, method), so a repeated listing or 402 changes
 * nothing but the times it was seen; price history gains a row only when the price, scheme or
 * payTo differs from the last one the same source recorded.
 */

export type CatalogSource = "discovery" | "402";

/** What one discovery entry or one 402 says about one resource. */
export interface Observation {
  source: CatalogSource;
  host: string;
  url: string;
  method: string;
  offer: CatalogOffer;
  /** The offer is on the payer's network in its USDC: its payTo is one the payer could pay. */
  payable: boolean;
  /** The resource's description (cleaned). */
  description: string | null;
  /** The vendor's name or description, when the entry gives one (discovery's `serviceName`). */
  vendorDescription?: string | null;
  /** The agent whose payment read the 402. */
  agentId?: string | null;
  at: Date;
}

/** What recording an observation found, for the alerts it may raise. */
export interface Recorded {
  /** The vendor's pinned payTo after the write (null: not pinned). */
  acceptedPayTo: string | null;
  /** The resource's advertised amount (discovery) after the write, and its scheme. */
  advertisedMicro: bigint | null;
  newVendor: boolean;
  /** False when the vendor has MAX_RESOURCES_PER_VENDOR resources and this one is new: not kept. */
  kept: boolean;
  /** A price history row was written. */
  changed: boolean;
}

/**
 * Pins `payTo` for `host` unless a payTo is pinned already (first sight: the vendor is added), and
 * returns the pinned payTo as it now stands, so two payers seeing a new vendor at once with two
 * addresses agree on the first one committed.
 */
export async function pinFirstPayTo(
  db: DbOrTx,
  input: { host: string; payTo: string; source: CatalogSource; at: Date },
): Promise<{ acceptedPayTo: string; pinnedNow: boolean }> {
  const at = input.at.toISOString();
  const by = `first_seen:${input.source}`;
  const [row] = await db.execute<{ accepted_pay_to: string; pinned_now: boolean }>(sql`
    INSERT INTO vendors AS v (host, source, pay_to, accepted_pay_to, pay_to_accepted_at, pay_to_accepted_by,
      first_seen, last_seen)
    VALUES (${input.host}, ${input.source}, ${input.payTo}, ${input.payTo}, ${at}::timestamptz, ${by},
      ${at}::timestamptz, ${at}::timestamptz)
    ON CONFLICT (host) DO UPDATE SET
      accepted_pay_to = COALESCE(v.accepted_pay_to, EXCLUDED.accepted_pay_to),
      pay_to_accepted_at = CASE WHEN v.accepted_pay_to IS NULL THEN EXCLUDED.pay_to_accepted_at ELSE v.pay_to_accepted_at END,
      pay_to_accepted_by = CASE WHEN v.accepted_pay_to IS NULL THEN EXCLUDED.pay_to_accepted_by ELSE v.pay_to_accepted_by END
    RETURNING accepted_pay_to, (pay_to_accepted_at = ${at}::timestamptz AND pay_to_accepted_by = ${by}) AS pinned_now`);
  if (!row) throw new Error(`pinning ${input.host} returned no row`);
  return { acceptedPayTo: row.accepted_pay_to, pinnedNow: row.pinned_now };
}

/**
 * Records one observation in one transaction: the vendor (added, or its times, description and
 * last payTo refreshed), the resource (added unless the vendor is at its resource cap) and, when
 * something changed, a price history row (the oldest beyond MAX_OBSERVATIONS_PER_RESOURCE go).
 * A discovery entry for a vendor not pinned yet pins its payTo (first sight); a 402 never does
 * here: the payer pins only a 402 that passed its checks (pinFirstPayTo).
 */
export async function recordObservation(db: Database, o: Observation): Promise<Recorded> {
  const at = o.at.toISOString();
  const { offer } = o;
  const pin = o.source === "discovery" && o.payable;
  return db.transaction(async (tx) => {
    const [vendor] = await tx.execute<{ accepted_pay_to: string | null; inserted: boolean }>(sql`
      INSERT INTO vendors AS v (host, source, description, pay_to, accepted_pay_to, pay_to_accepted_at,
        pay_to_accepted_by, first_seen, last_seen, last_discovered_at, last_402_at)
      VALUES (${o.host}, ${o.source}, ${o.vendorDescription ?? null},
        ${o.payable ? offer.payTo : null}, ${pin ? offer.payTo : null}, ${pin ? at : null}::timestamptz,
        ${pin ? "first_seen:discovery" : null}, ${at}::timestamptz, ${at}::timestamptz,
        ${o.source === "discovery" ? at : null}::timestamptz, ${o.source === "402" ? at : null}::timestamptz)
      ON CONFLICT (host) DO UPDATE SET
        last_seen = GREATEST(v.last_seen, EXCLUDED.last_seen),
        description = COALESCE(EXCLUDED.description, v.description),
        pay_to = COALESCE(EXCLUDED.pay_to, v.pay_to),
        accepted_pay_to = COALESCE(v.accepted_pay_to, EXCLUDED.accepted_pay_to),
        pay_to_accepted_at = CASE WHEN v.accepted_pay_to IS NULL THEN EXCLUDED.pay_to_accepted_at ELSE v.pay_to_accepted_at END,
        pay_to_accepted_by = CASE WHEN v.accepted_pay_to IS NULL THEN EXCLUDED.pay_to_accepted_by ELSE v.pay_to_accepted_by END,
        last_discovered_at = COALESCE(EXCLUDED.last_discovered_at, v.last_discovered_at),
        last_402_at = COALESCE(EXCLUDED.last_402_at, v.last_402_at)
      RETURNING accepted_pay_to, (xmax = 0) AS inserted`);
    const discovered = o.source === "discovery";
    const amount = offer.amount.toString();
    const [resource] = await tx.execute<{ advertised_micro: bigint | null }>(sql`
      INSERT INTO vendor_resources AS r (host, url, method, scheme, network, asset, pay_to, advertised_micro,
        advertised_at, asked_micro, asked_at, description, first_seen, last_seen)
      SELECT ${o.host}, ${o.url}, ${o.method}, ${offer.scheme}, ${offer.network}, ${offer.asset}, ${offer.payTo},
        ${discovered ? amount : null}::bigint, ${discovered ? at : null}::timestamptz,
        ${discovered ? null : amount}::bigint, ${discovered ? null : at}::timestamptz,
        ${o.description}, ${at}::timestamptz, ${at}::timestamptz
      WHERE EXISTS (SELECT 1 FROM vendor_resources WHERE url = ${o.url} AND method = ${o.method})
        OR (SELECT count(*) FROM vendor_resources WHERE host = ${o.host}) < ${MAX_RESOURCES_PER_VENDOR}
      ON CONFLICT (url, method) DO UPDATE SET
        scheme = EXCLUDED.scheme, network = EXCLUDED.network, asset = EXCLUDED.asset, pay_to = EXCLUDED.pay_to,
        advertised_micro = COALESCE(EXCLUDED.advertised_micro, r.advertised_micro),
        advertised_at = COALESCE(EXCLUDED.advertised_at, r.advertised_at),
        asked_micro = COALESCE(EXCLUDED.asked_micro, r.asked_micro),
        asked_at = COALESCE(EXCLUDED.asked_at, r.asked_at),
        description = COALESCE(EXCLUDED.description, r.description),
        last_seen = GREATEST(r.last_seen, EXCLUDED.last_seen)
      RETURNING advertised_micro`);
    const recorded = {
      acceptedPayTo: vendor?.accepted_pay_to ?? null,
      advertisedMicro: resource?.advertised_micro ?? null,
      newVendor: vendor?.inserted ?? false,
      kept: resource !== undefined,
    };
    if (!resource) return { ...recorded, changed: false };
    const [last] = await tx.execute<{ scheme: string; amount_micro: bigint; pay_to: string }>(sql`
      SELECT scheme, amount_micro, pay_to FROM vendor_price_history
      WHERE url = ${o.url} AND method = ${o.method} AND source = ${o.source}
      ORDER BY id DESC LIMIT 1`);
    const same =
      last !== undefined &&
      last.scheme === offer.scheme &&
      last.amount_micro === offer.amount &&
      last.pay_to === offer.payTo;
    if (same) return { ...recorded, changed: false };
    await tx.execute(sql`
      INSERT INTO vendor_price_history (host, url, method, observed_at, source, scheme, amount_micro, pay_to, agent_id)
      VALUES (${o.host}, ${o.url}, ${o.method}, ${at}::timestamptz, ${o.source}, ${offer.scheme}, ${amount}::bigint,
        ${offer.payTo}, ${o.agentId ?? null})`);
    await tx.execute(sql`
      DELETE FROM vendor_price_history WHERE url = ${o.url} AND method = ${o.method} AND source = ${o.source}
        AND id <= (SELECT id FROM vendor_price_history WHERE url = ${o.url} AND method = ${o.method}
                   AND source = ${o.source} ORDER BY id DESC OFFSET ${MAX_OBSERVATIONS_PER_RESOURCE} LIMIT 1)`);
    return { ...recorded, changed: true };
  });
}

/** Vendors in the catalog now (the discovery sync adds none beyond MAX_VENDORS). */
export async function vendorCount(db: DbOrTx): Promise<number> {
  const [row] = await db.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM vendors`);
  return row?.n ?? 0;
}

/** Whether `host` is in the catalog. */
export async function vendorExists(db: DbOrTx, host: string): Promise<boolean> {
  const [row] = await db.execute<{ one: number }>(sql`SELECT 1 AS one FROM vendors WHERE host = ${host}`);
  return row !== undefined;
}
