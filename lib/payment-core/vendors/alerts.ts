import type { Database } from "@/db/client";
import { insertAlert } from "../alerts/live";
import type { Condition } from "../alerts/types";
import {
  type PayToChange,
  priceAboveAdvertisedMessage,
  vendorPayToChangedMessage,
} from "../alerts/vendor-messages";
import { type Logger, silentLog } from "../support/log";
import type { Micro } from "../support/money";

/**
 * The catalog's alerts:
 * - `vendor_payto_changed` (critical): a known vendor asks (402) or advertises (discovery) a payTo
 *   other than the pinned one. One open alert per vendor and asked address; accepting a payTo
 *   (accept.ts) resolves the vendor's open ones.
 * - `price_above_advertised` (warning, sent at once): a 402 asks more than the resource's
 *   advertised price (for `upto`, its maximum). Once per resource, asked and advertised amount.
 */

export function payToChangedCondition(input: PayToChange): Condition {
  return {
    kind: "vendor_payto_changed",
    severity: "critical",
    dedupeKey: `vendor_payto_changed:${input.host}:${input.askedPayTo.toLowerCase()}`,
    windowed: false,
    agentId: input.agentId ?? null,
    message: vendorPayToChangedMessage(input),
  };
}

export function priceAboveAdvertisedCondition(input: {
  host: string;
  resourceUrl: string;
  method: string;
  scheme: string;
  askedMicro: Micro;
  advertisedMicro: Micro;
  agentId: string | null;
}): Condition {
  return {
    kind: "price_above_advertised",
    severity: "warning",
    dedupeKey: `price_above_advertised:${input.method} ${input.resourceUrl}:${input.askedMicro}:${input.advertisedMicro}`,
    windowed: true,
    live: true,
    agentId: input.agentId,
    message: priceAboveAdvertisedMessage(input),
  };
}

/** Raises each condition unless its key is open (or, windowed, was ever raised). Returns the new ids. */
export async function raiseCatalogAlerts(
  db: Database,
  conditions: readonly Condition[],
  deps: { now: Date; log?: Logger },
): Promise<number[]> {
  if (conditions.length === 0) return [];
  const log = deps.log ?? silentLog;
  return db.transaction(async (tx) => {
    const ids: number[] = [];
    for (const c of conditions) {
      const id = await insertAlert(tx, c, deps.now);
      if (id === null) continue;
      ids.push(id);
      log[c.severity === "critical" ? "error" : "warn"](
        { alertId: id, kind: c.kind, severity: c.severity, dedupeKey: c.dedupeKey, agentId: c.agentId },
        `alert raised: ${c.message.title}`,
      );
    }
    return ids;
  });
}
