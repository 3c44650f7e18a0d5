import { createHash } from "node:crypto";
import type { PaymentRequired } from "@x402/core/types";
import {
  appendPaymentIdentifierToExtensions,
  isPaymentIdentifierExtension,
  PAYMENT_IDENTIFIER,
} from "@x402/extensions/payment-identifier";

/**
 * The x402 `payment-identifier` extension: when a vendor's 402 advertises it, the signed payload
 * carries an id derived from the agent's idempotency key, so a vendor that dedupes treats a resent
 * payment as the one it already served. A vendor that does not advertise it gets no extension.
 *
 * The id is always derived (`pay_` + sha256 of agent id and key, hex), never the key itself:
 * keys are unique per agent but every agent pays from the same wallet, so two agents' equal keys
 * sent as they are would be one payment to the vendor (which may answer the second with the
 * first one's cached response); and a key is the agent's own text (up to 200 characters of
 * anything) where the extension allows 16 to 128 of `[A-Za-z0-9_-]`. The same agent and key
 * always give the same id.
 */

/** What the ledger row's `metadata.payment_identifier` keeps: facts known when the row is written. */
export type PaymentIdentifierRecord =
  | { advertised: true; id: string }
  | { advertised: false; reason?: "invalid_declaration" };

export function paymentIdentifierId(agentId: string, idempotencyKey: string): string {
  return `pay_${createHash("sha256")
    .update(JSON.stringify([agentId, idempotencyKey]))
    .digest("hex")}`;
}

/**
 * The requirements' resource and, only if the vendor advertised payment-identifier, that one
 * extension with our id, and the record for the row. The declaration is echoed as the official
 * client echoes it (a copy with `info.id` added): the vendor's server refuses a payment whose echo
 * drops or changes a field it advertised (`extension_echo_mismatch`), after we signed. No other
 * extension of the 402 is passed to the client (one could ask it for a permit or an approval).
 * A declaration that already names an id is not one we can answer (ours would not echo it, theirs
 * is not ours): nothing is sent, as for a vendor that does not advertise it.
 */
export function paymentIdentifier(
  required: PaymentRequired,
  agentId: string,
  idempotencyKey: string,
): {
  required: Pick<PaymentRequired, "resource" | "extensions">;
  record: PaymentIdentifierRecord;
} {
  const declared: unknown = required.extensions?.[PAYMENT_IDENTIFIER];
  if (declared === undefined) {
    return { required: { resource: required.resource }, record: { advertised: false } };
  }
  if (!isPaymentIdentifierExtension(declared) || "id" in declared.info) {
    return {
      required: { resource: required.resource },
      record: { advertised: false, reason: "invalid_declaration" },
    };
  }
  const id = paymentIdentifierId(agentId, idempotencyKey);
  const extensions = appendPaymentIdentifierToExtensions(
    { [PAYMENT_IDENTIFIER]: structuredClone(declared) },
    id,
  );
  return { required: { resource: required.resource, extensions }, record: { advertised: true, id } };
}

/**
 * How the console states it for a row: sent with its id, or why not. The row is written (with
 * the record) before the key signs; a reservation the budget refused, or a key that did not
 * sign, sent nothing. Rows written before the extension was supported have no record: null.
 */
export function paymentIdentifierStatus(
  metadata: Record<string, unknown>,
  row: { status: string; errorCode: string | null },
):
  | { sent: true; id: string }
  | { sent: false; reason: "not_advertised" | "invalid_declaration" | "not_signed" }
  | null {
  const record = metadata.payment_identifier as
    | Partial<{ advertised: boolean; id: unknown; reason: unknown }>
    | undefined;
  if (!record || typeof record !== "object") return null;
  if (record.advertised !== true || typeof record.id !== "string") {
    return {
      sent: false,
      reason: record.reason === "invalid_declaration" ? "invalid_declaration" : "not_advertised",
    };
  }
  if (row.status === "rejected" || row.errorCode === "signing_failed") {
    return { sent: false, reason: "not_signed" };
  }
  return { sent: true, id: record.id };
}
