import { formatDollars, type Micro } from "../support/money";
import { pctTenths } from "./messages";
import type { AlertMessage } from "./types";

/**
 * The texts of the vendor catalog's alerts (lib/payment-core/vendors/alerts.ts): a known vendor
 * asking to be paid at another address (the redirect attack), and a 402 asking more than the
 * vendor advertises.
 */

/**
 * A known vendor's payTo is not the pinned one: a 402 asked for it (the payment was refused, nothing
 * signed) or the discovery list now advertises it. Critical: a vendor whose server, DNS or listing
 * was taken over redirects payments this way.
 */
export interface PayToChange {
  host: string;
  knownPayTo: string;
  askedPayTo: string;
  source: "discovery" | "402";
  agentId?: string | null;
  resourceUrl?: string | null;
  transactionId?: string | null;
}

export function vendorPayToChangedMessage(input: PayToChange): AlertMessage {
  return {
    code: "vendor_payto_changed",
    severity: "critical",
    title: "🚨 Vendor Payment Address Changed",
    lines: [
      `Vendor: ${input.host}`,
      `Known payTo: ${input.knownPayTo}`,
      `${input.source === "402" ? "Asked" : "Advertised"} payTo: ${input.askedPayTo}`,
      input.source === "402"
        ? `Refused: ${input.transactionId ?? "a payment"}${input.agentId ? ` by ${input.agentId}` : ""}${input.resourceUrl ? ` (${input.resourceUrl})` : ""}; nothing was reserved or signed`
        : "Seen in the facilitator's discovery list; payments still go to the known payTo only",
      `Action: Confirm the new address with the vendor out of band; then x402 vendors accept-payto ${input.host} ${input.askedPayTo} (or the vendor's page). Until then every payment to it is refused`,
    ],
    figures: {
      host: input.host,
      knownPayTo: input.knownPayTo,
      askedPayTo: input.askedPayTo,
      source: input.source,
      agentId: input.agentId ?? null,
      resourceUrl: input.resourceUrl ?? null,
      transactionId: input.transactionId ?? null,
    },
  };
}

/** A 402 asked more than the price (or maximum) the vendor advertises in the discovery list. */
export function priceAboveAdvertisedMessage(input: {
  host: string;
  resourceUrl: string;
  method: string;
  scheme: string;
  askedMicro: Micro;
  advertisedMicro: Micro;
  agentId: string | null;
}): AlertMessage {
  const rise = input.askedMicro - input.advertisedMicro;
  return {
    code: "price_above_advertised",
    severity: "warning",
    title: "🏷️ Vendor Asks More Than It Advertises",
    lines: [
      `Vendor: ${input.host} (${input.method} ${input.resourceUrl})`,
      `Asked: ${formatDollars(input.askedMicro)}, advertised ${input.scheme === "upto" ? "maximum" : "price"} ${formatDollars(input.advertisedMicro)} (${pctTenths(rise, input.advertisedMicro)}% more)`,
      ...(input.agentId ? [`Agent: ${input.agentId}`] : []),
      "Action: Check the vendor's price; an agent's maxPriceUsdc or the per-transaction max caps what is paid",
    ],
    figures: {
      host: input.host,
      resourceUrl: input.resourceUrl,
      method: input.method,
      scheme: input.scheme,
      askedMicro: input.askedMicro.toString(),
      advertisedMicro: input.advertisedMicro.toString(),
      risePct: pctTenths(rise, input.advertisedMicro),
      agentId: input.agentId,
    },
  };
}
