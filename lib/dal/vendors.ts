import "server-only";
import { z } from "zod";
import { env } from "@/lib/env";
import {
  catalogHosts,
  getVendor,
  listVendors,
  VENDOR_SORTS,
  type VendorDetail,
  type VendorSort,
  type VendorSummary,
} from "@/lib/payment-core/vendors/read";
import { appDb } from "@/lib/server/db";
import {
  type FilterError,
  filterError,
  optionalText,
  pickParams,
  type RawSearchParams,
} from "@/lib/url/search-params";
import { toWire, type Wire } from "@/lib/wire";

/** The Vendors pages' reads (lib/payment-core/vendors/read.ts), shaped for the browser. */

export const VENDOR_PARAMS = ["q", "sort", "order"] as const;

export interface VendorListQuery {
  q?: string;
  sort: VendorSort;
  /** The column's order as shown: A-Z (`asc`) for hosts, newest or largest first (`desc`) by default. */
  order: "asc" | "desc";
  /** The list the other way round from the column's natural order. */
  reverse: boolean;
  /** The parameters as the URL holds them (for links that keep the search). */
  params: Partial<Record<(typeof VENDOR_PARAMS)[number], string>>;
}

const querySchema = z.object({
  q: optionalText("Search", 100),
  sort: z.enum(VENDOR_SORTS, { message: `Sort: one of ${VENDOR_SORTS.join(", ")}` }).optional(),
  order: z.enum(["asc", "desc"], { message: "Order: asc or desc" }).optional(),
});

/** The list's search and order from the URL, or the parameter at fault. */
export function parseVendorQuery(
  raw: RawSearchParams,
): { ok: true; query: VendorListQuery } | { ok: false; error: FilterError; params: Record<string, string> } {
  const params = pickParams(raw, VENDOR_PARAMS);
  const parsed = querySchema.safeParse(params);
  if (!parsed.success) return { ok: false, error: filterError(parsed.error), params };
  const sort = parsed.data.sort ?? "last_seen";
  // Each column's natural order is the default (A-Z, newest first, largest first); `order` flips it.
  const natural = sort === "host" ? "asc" : "desc";
  return {
    ok: true,
    query: {
      q: parsed.data.q,
      sort,
      order: parsed.data.order ?? natural,
      reverse: (parsed.data.order ?? natural) !== natural,
      params,
    },
  };
}

/** `/vendors` with these parameters (unset and default ones left out). */
export function vendorsHref(
  params: Partial<Record<(typeof VENDOR_PARAMS)[number], string | undefined>>,
): string {
  const kept = Object.entries(params).filter(
    (e): e is [string, string] => typeof e[1] === "string" && e[1] !== "",
  );
  return kept.length ? `/vendors?${new URLSearchParams(kept)}` : "/vendors";
}

export type VendorRowView = Wire<VendorSummary>;

export async function getVendorsPage(
  query: VendorListQuery,
): Promise<{ vendors: VendorRowView[]; total: number; spendSince: string }> {
  const { vendors, total, spendSince } = await listVendors(appDb(), {
    q: query.q,
    sort: query.sort,
    reverse: query.reverse,
  });
  return { vendors: vendors.map(toWire), total, spendSince };
}

export type VendorDetailView = Wire<VendorDetail>;

/** One vendor's page, or null when the catalog does not hold it. */
export async function getVendorDetail(host: string): Promise<VendorDetailView | null> {
  const vendor = await getVendor(appDb(), host, { priceDriftPct: env().alerts.priceDriftPct });
  return vendor ? toWire(vendor) : null;
}

/** The catalog's hosts, A-Z (the agent page's allowlist picker); empty if the read fails. */
export async function getCatalogHosts(): Promise<string[]> {
  try {
    return await catalogHosts(appDb());
  } catch {
    return [];
  }
}
