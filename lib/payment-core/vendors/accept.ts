import { sql } from "drizzle-orm";
import type { Database } from "@/db/client";
import { normalizeHost, normalizePayee } from "../agents/vendor-policy";
import { writeAudit } from "../audit-log/write";
import { OperationError } from "../support/errors";
import { type Clock, systemClock } from "../support/time";
import { samePayTo } from "./bounds";

/**
 * A person accepts a vendor's payTo (`x402 vendors accept-payto HOST ADDRESS`, the vendor's page):
 * from the next payment the payer pays the vendor there, and only there. It is the answer to a
 * `vendor_payto_changed` alert once the new address is confirmed with the vendor out of band (or,
 * to keep the old address, accepting it again closes the alert). The change, its audit row and the
 * resolution of the vendor's open `vendor_payto_changed` alerts commit together.
 */

export interface AcceptedPayTo {
  host: string;
  payTo: string;
  previous: string | null;
  /** False when that payTo was already the accepted one: nothing was written. */
  changed: boolean;
  /** Open `vendor_payto_changed` alerts of the vendor that this closed. */
  alertsResolved: number;
}

export async function acceptVendorPayTo(
  db: Database,
  input: { host: string; payTo: string; actor: string; reason?: string | null; clock?: Clock },
): Promise<AcceptedPayTo> {
  const host = normalizeHost(input.host);
  const payTo = normalizePayee(input.payTo);
  const now = (input.clock ?? systemClock)().toISOString();
  return db.transaction(async (tx) => {
    const [vendor] = await tx.execute<{
      accepted_pay_to: string | null;
      pay_to_accepted_by: string | null;
    }>(sql`
      SELECT accepted_pay_to, pay_to_accepted_by FROM vendors WHERE host = ${host} FOR UPDATE`);
    if (!vendor) {
      throw new OperationError(
        "vendor_not_found",
        `no vendor ${host} in the catalog: it is added when its 402 is read or the discovery list names it`,
        { host },
      );
    }
    const previous = vendor.accepted_pay_to;
    const resolved = await tx.execute<{ id: string }>(sql`
      UPDATE alerts SET resolved_at = ${now}::timestamptz
      WHERE resolved_at IS NULL AND kind = 'vendor_payto_changed' AND figures->>'host' = ${host}
      RETURNING id`);
    if (samePayTo(previous, payTo)) {
      return { host, payTo, previous, changed: false, alertsResolved: resolved.length };
    }
    await tx.execute(sql`
      UPDATE vendors SET accepted_pay_to = ${payTo}, pay_to_accepted_at = ${now}::timestamptz,
        pay_to_accepted_by = ${input.actor}
      WHERE host = ${host}`);
    await writeAudit(tx, {
      actor: input.actor,
      action: "vendor.payto_accepted",
      targetType: "vendor",
      targetId: host,
      before: { acceptedPayTo: previous, acceptedBy: vendor.pay_to_accepted_by },
      after: { acceptedPayTo: payTo, alertsResolved: resolved.length },
      reason: input.reason ?? null,
    });
    return { host, payTo, previous, changed: true, alertsResolved: resolved.length };
  });
}
