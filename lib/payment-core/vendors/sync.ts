import type { fetch as undiciFetch } from "undici";
import type { Database } from "@/db/client";
import type { Condition } from "../alerts/types";
import { type Logger, silentLog } from "../support/log";
import { type Clock, systemClock } from "../support/time";
import { payToChangedCondition, raiseCatalogAlerts } from "./alerts";
import { MAX_VENDORS, samePayTo } from "./bounds";
import { discoveryObservation, fetchDiscovery, type SkipReason, shownUrl } from "./discovery";
import { recordObservation, vendorCount, vendorExists } from "./store";

/**
 * The vendor-sync job and `x402 vendors sync`: the facilitator's discovery list into the catalog.
 * Entries are recorded one by one (a failing one is logged and counted, the rest go on); a known
 * vendor now listed with another payTo on the payer's network raises `vendor_payto_changed`
 * (critical) and keeps its pinned payTo.
 */

export interface SyncDeps {
  db: Database;
  facilitatorUrl: string;
  /** The payer's network and USDC: the option of an entry the catalog prefers, and pins. */
  network: string;
  usdcAddress?: string;
  fetch?: typeof undiciFetch;
  clock?: Clock;
  log?: Logger;
}

export interface SyncReport {
  facilitatorUrl: string;
  pages: number;
  listed: number;
  recorded: number;
  /** The list was longer than one sync reads (MAX_DISCOVERY_PAGES pages). */
  truncated: boolean;
  newVendors: number;
  /** Price history rows written (a new resource, or a changed price, scheme or payTo). */
  changed: number;
  skipped: Record<SkipReason | "vendor_cap" | "resource_cap" | "failed", number>;
  alerts: number;
}

export async function syncVendorCatalog(deps: SyncDeps): Promise<SyncReport> {
  const log = deps.log ?? silentLog;
  const now = (deps.clock ?? systemClock)();
  const { items, pages, truncated } = await fetchDiscovery(deps.facilitatorUrl, { fetch: deps.fetch });
  const report: SyncReport = {
    facilitatorUrl: shownUrl(deps.facilitatorUrl),
    pages,
    listed: items.length,
    recorded: 0,
    truncated,
    newVendors: 0,
    changed: 0,
    skipped: {
      not_an_object: 0,
      bad_resource: 0,
      no_usable_option: 0,
      bad_method: 0,
      vendor_cap: 0,
      resource_cap: 0,
      failed: 0,
    },
    alerts: 0,
  };
  let vendors = await vendorCount(deps.db);
  const conditions: Condition[] = [];
  for (const item of items) {
    const parsed = discoveryObservation(item, {
      network: deps.network,
      usdcAddress: deps.usdcAddress,
      at: now,
    });
    if (!parsed.ok) {
      report.skipped[parsed.reason]++;
      continue;
    }
    const o = parsed.observation;
    try {
      if (vendors >= MAX_VENDORS && !(await vendorExists(deps.db, o.host))) {
        report.skipped.vendor_cap++;
        continue;
      }
      const recorded = await recordObservation(deps.db, o);
      if (recorded.newVendor) {
        vendors++;
        report.newVendors++;
      }
      if (!recorded.kept) {
        report.skipped.resource_cap++;
        continue;
      }
      report.recorded++;
      if (recorded.changed) report.changed++;
      if (o.payable && recorded.acceptedPayTo && !samePayTo(recorded.acceptedPayTo, o.offer.payTo)) {
        conditions.push(
          payToChangedCondition({
            host: o.host,
            knownPayTo: recorded.acceptedPayTo,
            askedPayTo: o.offer.payTo,
            source: "discovery",
            resourceUrl: o.url,
          }),
        );
      }
    } catch (error) {
      report.skipped.failed++;
      log.error(
        { error: (error as Error).message, host: o.host, url: o.url },
        "vendor catalog: entry not recorded",
      );
    }
  }
  // One alert per vendor and address, however many of its resources list it.
  const unique = [...new Map(conditions.map((c) => [c.dedupeKey, c])).values()];
  report.alerts = (await raiseCatalogAlerts(deps.db, unique, { now, log })).length;
  log.info(
    {
      listed: report.listed,
      recorded: report.recorded,
      newVendors: report.newVendors,
      changed: report.changed,
      alerts: report.alerts,
    },
    "vendor catalog synced from the discovery list",
  );
  return report;
}
