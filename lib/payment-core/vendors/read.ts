import { sql } from "drizzle-orm";
import type { Database } from "@/db/client";
import { isoMs } from "@/db/sql";
import { hostAllowed, payeeAllowed } from "../agents/vendor-policy";
import { driftsUp } from "../alerts/live";
import { pctTenths } from "../alerts/messages";
import { InvalidInputError } from "../support/errors";
import type { Micro } from "../support/money";
import { resourceOf, samePayTo } from "./bounds";
import type { CatalogSource } from "./store";

/**
 * The catalog's reads, for the console's Vendors pages, `x402 vendors list|show` and the MCP
 * tool: vendors with their pin state and spend, and one vendor's resources (advertised, asked and
 * last paid, with the drift between them), price history and the agents that may pay it. Spend is
 * the ledger's: completed payments whose `vendor` is the host (a caller's own `vendor` label counts
 * under that label instead), over the last 30 UTC days, by the ledger's (vendor, created_at) index.
 */

export const SPEND_DAYS = 30;
export const VENDOR_SORTS = ["host", "last_seen", "spend"] as const;
export type VendorSort = (typeof VENDOR_SORTS)[number];
/** Vendors one list answers at most. */
export const MAX_LIST = 500;
/** Price history rows a vendor's page shows (the newest). */
export const HISTORY_SHOWN = 500;
/** Completed payments to a vendor looked through for the last price of each resource. */
export const LAST_PAID_SCAN = 2_000;

/** The pin: `pinned` (asks what is accepted), `changed` (advertises or asked another), `unpinned`. */
export type PinState = "pinned" | "changed" | "unpinned";

export interface VendorSummary {
  host: string;
  description: string | null;
  source: CatalogSource;
  payTo: string | null;
  acceptedPayTo: string | null;
  pin: PinState;
  /** UTC ISO with milliseconds. */
  firstSeen: string;
  lastSeen: string;
  lastDiscoveredAt: string | null;
  last402At: string | null;
  resourceCount: number;
  spentMicro: Micro;
  payments: number;
  lastPaidAt: string | null;
}

type VendorRow = {
  host: string;
  description: string | null;
  source: CatalogSource;
  pay_to: string | null;
  accepted_pay_to: string | null;
  pay_to_accepted_at: string | null;
  pay_to_accepted_by: string | null;
  first_seen: string;
  last_seen: string;
  last_discovered_at: string | null;
  last_402_at: string | null;
  resources: number;
};

export const pinState = (payTo: string | null, accepted: string | null): PinState =>
  accepted === null ? "unpinned" : payTo === null || samePayTo(payTo, accepted) ? "pinned" : "changed";

const iso = (value: string | null) => (value === null ? null : isoMs(value));

/** `%`, `_` and `\` taken literally in an ILIKE pattern. */
const likeLiteral = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * Ledger rows paid to one of `hosts`: the host the payment's URL named (`vendor_host`, what vendor
 * caps count), never the caller's `vendor` label, which may be anything ("search-api"); rows from
 * before `vendor_host` was written fall back to the label (it defaulted to the host). Two index
 * scans (vendor_host, vendor) rather than a scan of every row.
 */
function paidTo(hosts: readonly string[]) {
  const list = sql`${sql.param([...hosts])}::text[]`;
  return sql`(vendor_host = ANY(${list}) OR (vendor_host IS NULL AND vendor = ANY(${list})))`;
}

async function spendByHost(
  db: Database,
  hosts: readonly string[],
  since: Date,
): Promise<Map<string, { spent: bigint; payments: number; last: string | null }>> {
  if (hosts.length === 0) return new Map();
  const rows = await db.execute<{ vendor: string; spent: bigint; payments: number; last: string | null }>(sql`
    SELECT coalesce(vendor_host, vendor) AS vendor, COALESCE(sum(amount_micro), 0)::bigint AS spent,
      count(*)::int AS payments, max(created_at) AS last
    FROM transactions
    WHERE ${paidTo(hosts)} AND status = 'completed'
      AND created_at >= ${since.toISOString()}::timestamptz
    GROUP BY 1`);
  return new Map(rows.map((r) => [r.vendor, { spent: r.spent, payments: r.payments, last: r.last }]));
}

function toSummary(
  v: VendorRow,
  spend?: { spent: bigint; payments: number; last: string | null },
): VendorSummary {
  return {
    host: v.host,
    description: v.description,
    source: v.source,
    payTo: v.pay_to,
    acceptedPayTo: v.accepted_pay_to,
    pin: pinState(v.pay_to, v.accepted_pay_to),
    firstSeen: isoMs(v.first_seen),
    lastSeen: isoMs(v.last_seen),
    lastDiscoveredAt: iso(v.last_discovered_at),
    last402At: iso(v.last_402_at),
    resourceCount: v.resources,
    spentMicro: spend?.spent ?? 0n,
    payments: spend?.payments ?? 0,
    lastPaidAt: iso(spend?.last ?? null),
  };
}

/**
 * The catalog's vendors matching `q` (in the host or description, any case), sorted: `host`
 * (A-Z), `last_seen` (newest first) or `spend` (largest first, last 30 days); `reverse` flips it.
 */
export async function listVendors(
  db: Database,
  options: { q?: string; sort?: VendorSort; reverse?: boolean; limit?: number; now?: Date } = {},
): Promise<{ vendors: VendorSummary[]; total: number; spendSince: string }> {
  const sort = options.sort ?? "last_seen";
  if (!VENDOR_SORTS.includes(sort)) {
    throw new InvalidInputError("invalid_sort", `sort must be one of ${VENDOR_SORTS.join(", ")}`, { sort });
  }
  const limit = options.limit ?? MAX_LIST;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST) {
    throw new InvalidInputError("invalid_limit", `limit must be a whole number from 1 to ${MAX_LIST}`, {
      limit,
    });
  }
  const q = (options.q ?? "").trim();
  const pattern = `%${likeLiteral(q)}%`;
  const rows = await db.execute<VendorRow>(sql`
    SELECT v.host, v.description, v.source::text AS source, v.pay_to, v.accepted_pay_to, v.pay_to_accepted_at,
      v.pay_to_accepted_by, v.first_seen, v.last_seen, v.last_discovered_at, v.last_402_at,
      (SELECT count(*)::int FROM vendor_resources r WHERE r.host = v.host) AS resources
    FROM vendors v
    WHERE ${q === "" ? sql`true` : sql`(v.host ILIKE ${pattern} OR v.description ILIKE ${pattern})`}`);
  const since = new Date((options.now ?? new Date()).getTime() - SPEND_DAYS * 86_400_000);
  const spend = await spendByHost(
    db,
    rows.map((r) => r.host),
    since,
  );
  const all = rows.map((r) => toSummary(r, spend.get(r.host)));
  const flip = options.reverse ? -1 : 1;
  const byHost = (a: VendorSummary, b: VendorSummary) => (a.host < b.host ? -1 : a.host > b.host ? 1 : 0);
  all.sort((a, b) => {
    if (sort === "host") return flip * byHost(a, b);
    if (sort === "last_seen")
      return flip * (a.lastSeen < b.lastSeen ? 1 : a.lastSeen > b.lastSeen ? -1 : byHost(a, b));
    return flip * (a.spentMicro < b.spentMicro ? 1 : a.spentMicro > b.spentMicro ? -1 : byHost(a, b));
  });
  return { vendors: all.slice(0, limit), total: all.length, spendSince: since.toISOString() };
}

export interface VendorResource {
  url: string;
  method: string;
  scheme: string;
  network: string;
  asset: string;
  payTo: string;
  description: string | null;
  /** The discovery list's price (`exact`) or maximum (`upto`). */
  advertisedMicro: Micro | null;
  advertisedAt: string | null;
  /** What the latest 402 the payer read asked. */
  askedMicro: Micro | null;
  askedAt: string | null;
  /** The last completed payment for this resource (any query), from the ledger. */
  lastPaidMicro: Micro | null;
  lastPaidAt: string | null;
  lastPaidId: string | null;
  /** Asked above advertised, in percent with one decimal ("25.0"); null when either is missing. */
  aboveAdvertisedPct: string | null;
  /** Asked against the last paid, in percent ("-10.0" is cheaper); null when either is missing. */
  driftPct: string | null;
  /** Asked is above the advertised price, or above the last paid by more than X402_PRICE_DRIFT_PCT. */
  flagged: boolean;
  firstSeen: string;
  lastSeen: string;
}

export interface PriceObservation {
  url: string;
  method: string;
  observedAt: string;
  source: CatalogSource;
  scheme: string;
  amountMicro: Micro;
  payTo: string;
  agentId: string | null;
}

export interface AgentAccess {
  agentId: string;
  name: string;
  status: string;
  /** The agent's allowlist lets it pay this host (an empty list allows any host). */
  hostAllowed: boolean;
  /** Its payee list allows the pinned payTo (empty: any payee). */
  payeeAllowed: boolean;
  /** Both: the agent may pay this vendor. */
  mayPay: boolean;
  /** The agent's host list is empty (any host). */
  anyHost: boolean;
}

export interface VendorDetail extends VendorSummary {
  payToAcceptedAt: string | null;
  payToAcceptedBy: string | null;
  resources: VendorResource[];
  history: PriceObservation[];
  agents: AgentAccess[];
  spendSince: string;
  priceDriftPct: number;
}

/** Percent of `num` over `den` with one decimal, signed; null when either is missing. */
function pctOver(num: bigint | null, den: bigint | null): string | null {
  if (num === null || den === null || den <= 0n) return null;
  const diff = num - den;
  const abs = pctTenths(diff < 0n ? -diff : diff, den);
  return diff < 0n ? `-${abs}` : abs;
}

/** One vendor, or null when the catalog does not hold `host`. */
export async function getVendor(
  db: Database,
  host: string,
  options: { priceDriftPct: number; now?: Date },
): Promise<VendorDetail | null> {
  const [v] = await db.execute<VendorRow>(sql`
    SELECT v.host, v.description, v.source::text AS source, v.pay_to, v.accepted_pay_to, v.pay_to_accepted_at,
      v.pay_to_accepted_by, v.first_seen, v.last_seen, v.last_discovered_at, v.last_402_at,
      (SELECT count(*)::int FROM vendor_resources r WHERE r.host = v.host) AS resources
    FROM vendors v WHERE v.host = ${host}`);
  if (!v) return null;
  const since = new Date((options.now ?? new Date()).getTime() - SPEND_DAYS * 86_400_000);
  const [spend, resourceRows, historyRows, paidRows, agentRows] = await Promise.all([
    spendByHost(db, [host], since),
    db.execute<{
      url: string;
      method: string;
      scheme: string;
      network: string;
      asset: string;
      pay_to: string;
      description: string | null;
      advertised_micro: bigint | null;
      advertised_at: string | null;
      asked_micro: bigint | null;
      asked_at: string | null;
      first_seen: string;
      last_seen: string;
    }>(sql`
      SELECT url, method, scheme, network, asset, pay_to, description, advertised_micro, advertised_at, asked_micro,
        asked_at, first_seen, last_seen
      FROM vendor_resources WHERE host = ${host} ORDER BY url, method`),
    db.execute<{
      url: string;
      method: string;
      observed_at: string;
      source: CatalogSource;
      scheme: string;
      amount_micro: bigint;
      pay_to: string;
      agent_id: string | null;
    }>(sql`
      SELECT url, method, observed_at, source::text AS source, scheme, amount_micro, pay_to, agent_id
      FROM vendor_price_history WHERE host = ${host} ORDER BY observed_at DESC, id DESC LIMIT ${HISTORY_SHOWN}`),
    db.execute<{
      id: string;
      resource_url: string | null;
      method: string | null;
      amount_micro: bigint;
      created_at: string;
    }>(sql`
      SELECT id, resource_url, method, amount_micro, created_at FROM transactions
      WHERE ${paidTo([host])} AND status = 'completed'
      ORDER BY created_at DESC LIMIT ${LAST_PAID_SCAN}`),
    db.execute<{ id: string; name: string; status: string; hosts: string[]; payees: string[] }>(sql`
      SELECT id, name, status::text AS status, allowed_vendor_hosts AS hosts, allowed_payees AS payees
      FROM agents ORDER BY id`),
  ]);
  // The newest completed payment per resource (its URL without the query) and method.
  const lastPaid = new Map<string, { id: string; amount: bigint; at: string }>();
  for (const p of paidRows) {
    const r = resourceOf(p.resource_url);
    const k = r ? `${p.method ?? "GET"} ${r.url}` : null;
    if (k && !lastPaid.has(k)) lastPaid.set(k, { id: p.id, amount: p.amount_micro, at: p.created_at });
  }
  const resources = resourceRows.map((r): VendorResource => {
    const paid = lastPaid.get(`${r.method} ${r.url}`);
    const lastPaidMicro = paid?.amount ?? null;
    const above = r.asked_micro !== null && r.advertised_micro !== null && r.asked_micro > r.advertised_micro;
    const drift =
      r.asked_micro !== null &&
      lastPaidMicro !== null &&
      driftsUp(r.asked_micro, lastPaidMicro, options.priceDriftPct);
    return {
      url: r.url,
      method: r.method,
      scheme: r.scheme,
      network: r.network,
      asset: r.asset,
      payTo: r.pay_to,
      description: r.description,
      advertisedMicro: r.advertised_micro,
      advertisedAt: iso(r.advertised_at),
      askedMicro: r.asked_micro,
      askedAt: iso(r.asked_at),
      lastPaidMicro,
      lastPaidAt: paid ? isoMs(paid.at) : null,
      lastPaidId: paid?.id ?? null,
      aboveAdvertisedPct: above ? pctOver(r.asked_micro, r.advertised_micro) : null,
      driftPct: pctOver(r.asked_micro, lastPaidMicro),
      flagged: above || drift,
      firstSeen: isoMs(r.first_seen),
      lastSeen: isoMs(r.last_seen),
    };
  });
  const hostUrls = [new URL(`http://${host}/`), new URL(`https://${host}/`)];
  const agents = agentRows.map((a): AgentAccess => {
    const policy = { hosts: a.hosts ?? [], payees: a.payees ?? [] };
    const hostOk = hostUrls.some((u) => hostAllowed(policy, u));
    const payeeOk = v.accepted_pay_to === null || payeeAllowed(policy, v.accepted_pay_to);
    return {
      agentId: a.id,
      name: a.name,
      status: a.status,
      hostAllowed: hostOk,
      payeeAllowed: payeeOk,
      mayPay: hostOk && payeeOk,
      anyHost: policy.hosts.length === 0,
    };
  });
  return {
    ...toSummary(v, spend.get(host)),
    payToAcceptedAt: iso(v.pay_to_accepted_at),
    payToAcceptedBy: v.pay_to_accepted_by,
    resources,
    history: historyRows.map((h) => ({
      url: h.url,
      method: h.method,
      observedAt: isoMs(h.observed_at),
      source: h.source,
      scheme: h.scheme,
      amountMicro: h.amount_micro,
      payTo: h.pay_to,
      agentId: h.agent_id,
    })),
    agents,
    spendSince: since.toISOString(),
    priceDriftPct: options.priceDriftPct,
  };
}

/** Every catalog host, A-Z (the agent page's allowlist picker). */
export async function catalogHosts(db: Database, limit = MAX_LIST): Promise<string[]> {
  const rows = await db.execute<{ host: string }>(sql`SELECT host FROM vendors ORDER BY host LIMIT ${limit}`);
  return rows.map((r) => r.host);
}
