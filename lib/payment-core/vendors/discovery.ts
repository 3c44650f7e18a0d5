import type { DiscoveryResource } from "@x402/extensions/bazaar";
import { fetch as undiciFetch } from "undici";
import { OperationError } from "../support/errors";
import { readCapped } from "../x402/vendor-http";
import { cleanText, methodOf, pickOffer, resourceOf } from "./bounds";
import type { Observation } from "./store";

/**
 * Reading a facilitator's discovery list (the x402 Bazaar extension): the request the SDK's
 * `withBazaar(client).extensions.bazaar.listResources` sends (`GET <facilitator>/discovery/resources
 * ?type=http&limit=&offset=`), page by page, with what the SDK's call lacks: a timeout, a byte cap
 * per page and a cap on pages and entries, since a facilitator relays what any vendor registered.
 * Each entry is then checked field by field (bounds.ts); one that does not fit is skipped and
 * counted, never stored as sent.
 */

export const DISCOVERY_PAGE_SIZE = 100;
/** Pages read per sync at most (so entries: MAX_DISCOVERY_PAGES × DISCOVERY_PAGE_SIZE). */
export const MAX_DISCOVERY_PAGES = 20;
export const MAX_DISCOVERY_PAGE_BYTES = 2 * 1024 * 1024;
export const DISCOVERY_TIMEOUT_MS = 15_000;

export interface DiscoveryPage {
  items: unknown[];
  total: number | null;
}

/** The facilitator's URL as shown in reports and errors: no credentials, no query. */
export function shownUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname.replace(/\/+$/, "")}`;
  } catch {
    return "(not a URL)";
  }
}

/** The list could not be read: `vendor_sync_failed` with what went wrong (never the body as sent). */
function syncFailed(facilitatorUrl: string, message: string): OperationError {
  return new OperationError("vendor_sync_failed", message, { facilitatorUrl: shownUrl(facilitatorUrl) });
}

/** One page of the list; throws `vendor_sync_failed` with what went wrong. */
export async function fetchDiscoveryPage(
  facilitatorUrl: string,
  page: { limit: number; offset: number },
  options: { fetch?: typeof undiciFetch; timeoutMs?: number } = {},
): Promise<DiscoveryPage> {
  const base = facilitatorUrl.replace(/\/+$/, "");
  const query = new URLSearchParams({ type: "http", limit: String(page.limit), offset: String(page.offset) });
  const url = `${base}/discovery/resources?${query}`;
  let res: Awaited<ReturnType<typeof undiciFetch>>;
  try {
    res = await (options.fetch ?? undiciFetch)(url, {
      method: "GET",
      headers: { accept: "application/json" },
      redirect: "error",
      signal: AbortSignal.timeout(options.timeoutMs ?? DISCOVERY_TIMEOUT_MS),
    });
  } catch (error) {
    throw syncFailed(
      facilitatorUrl,
      `the facilitator's discovery list is unreachable: ${(error as Error).message}`,
    );
  }
  if (!res.ok) {
    await res.body?.cancel().catch(() => undefined);
    throw syncFailed(facilitatorUrl, `the facilitator's discovery list answered ${res.status}`);
  }
  const bytes = await readCapped(res.body, MAX_DISCOVERY_PAGE_BYTES).catch((error: Error) => {
    throw syncFailed(facilitatorUrl, `reading the discovery list failed: ${error.message}`);
  });
  if (bytes === null)
    throw syncFailed(facilitatorUrl, `a discovery page is over ${MAX_DISCOVERY_PAGE_BYTES} bytes`);
  let body: unknown;
  try {
    body = JSON.parse(bytes.toString("utf8"));
  } catch {
    throw syncFailed(facilitatorUrl, "the discovery list is not JSON");
  }
  const o = (body && typeof body === "object" ? body : {}) as Record<string, unknown>;
  // `items` is the list's field; `resources` the search answer's, which some facilitators send.
  const items = Array.isArray(o.items) ? o.items : Array.isArray(o.resources) ? o.resources : null;
  if (!items) throw syncFailed(facilitatorUrl, "the discovery list has no items array");
  const pagination = (o.pagination && typeof o.pagination === "object" ? o.pagination : {}) as {
    total?: unknown;
  };
  const total =
    typeof pagination.total === "number" && Number.isSafeInteger(pagination.total) && pagination.total >= 0
      ? pagination.total
      : null;
  return { items: items.slice(0, page.limit), total };
}

/** Every page, up to the caps. `truncated` says the list was longer than what was read. */
export async function fetchDiscovery(
  facilitatorUrl: string,
  options: { fetch?: typeof undiciFetch; timeoutMs?: number; pageSize?: number; maxPages?: number } = {},
): Promise<{ items: unknown[]; pages: number; truncated: boolean }> {
  const limit = options.pageSize ?? DISCOVERY_PAGE_SIZE;
  const maxPages = options.maxPages ?? MAX_DISCOVERY_PAGES;
  const items: unknown[] = [];
  let pages = 0;
  for (;;) {
    const page = await fetchDiscoveryPage(facilitatorUrl, { limit, offset: items.length }, options);
    pages++;
    items.push(...page.items);
    const done =
      page.items.length < limit ||
      (page.total !== null && items.length >= page.total) ||
      page.items.length === 0;
    if (done) return { items, pages, truncated: false };
    if (pages >= maxPages) return { items, pages, truncated: true };
  }
}

export type SkipReason = "not_an_object" | "bad_resource" | "no_usable_option" | "bad_method";

/**
 * One discovery entry as the catalog's observation, or why it is skipped. The method is the
 * Bazaar declaration's (`extensions.bazaar.info.input.method`), else GET.
 */
export function discoveryObservation(
  item: unknown,
  context: { network: string; usdcAddress?: string; at: Date },
): { ok: true; observation: Observation } | { ok: false; reason: SkipReason } {
  if (!item || typeof item !== "object" || Array.isArray(item)) return { ok: false, reason: "not_an_object" };
  const entry = item as Partial<DiscoveryResource> & Record<string, unknown>;
  if (entry.type !== undefined && entry.type !== "http") return { ok: false, reason: "bad_resource" };
  const resource = resourceOf(entry.resource ?? entry.url);
  if (!resource) return { ok: false, reason: "bad_resource" };
  const declared = bazaarMethod(entry.extensions);
  const method = declared === undefined ? "GET" : methodOf(declared);
  if (!method) return { ok: false, reason: "bad_method" };
  const offer = pickOffer(entry.accepts, { network: context.network, asset: context.usdcAddress });
  if (!offer) return { ok: false, reason: "no_usable_option" };
  const payable =
    offer.network === context.network &&
    context.usdcAddress !== undefined &&
    offer.asset.toLowerCase() === context.usdcAddress.toLowerCase();
  return {
    ok: true,
    observation: {
      source: "discovery",
      host: resource.host,
      url: resource.url,
      method,
      offer,
      payable,
      description: cleanText(entry.description),
      vendorDescription: cleanText(entry.serviceName, 80),
      at: context.at,
    },
  };
}

/** `extensions.bazaar.info.input.method` when the entry declares one (any value: checked by the caller). */
function bazaarMethod(extensions: unknown): unknown {
  if (!extensions || typeof extensions !== "object") return undefined;
  const bazaar = (extensions as Record<string, unknown>).bazaar;
  if (!bazaar || typeof bazaar !== "object") return undefined;
  const info = (bazaar as { info?: unknown }).info;
  if (!info || typeof info !== "object") return undefined;
  const input = (info as { input?: unknown }).input;
  if (!input || typeof input !== "object") return undefined;
  return (input as { method?: unknown }).method;
}
