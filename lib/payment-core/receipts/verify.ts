import {
  extractJWSHeader,
  OFFER_RECEIPT,
  type SignedOffer,
  type SignedReceipt,
  verifyOfferSignatureEIP712,
  verifyOfferSignatureJWS,
  verifyReceiptSignatureEIP712,
  verifyReceiptSignatureJWS,
} from "@x402/extensions/offer-receipt";
import { z } from "zod";
import { findUnsafeField } from "../support/safe-text";

/**
 * A vendor's signed receipt (x402 `offer-receipt` extension), checked against the payment the
 * ledger recorded. Everything here comes from the vendor and is hostile: sizes are capped, shapes
 * parsed with zod, and no check throws: every problem is an `invalid` result with a stable reason.
 *
 * What the extension carries: the 402 answer has signed *offers* (one per accepted option:
 * resourceUrl, scheme, network, asset, payTo, amount, validUntil), and the paid answer's
 * PAYMENT-RESPONSE has one signed *receipt* (resourceUrl, network, payer, issuedAt and, if the
 * vendor chose, the transaction hash). The receipt names no amount or payee: those are bound by
 * the offer, so a receipt verifies only together with the offer it answers.
 *
 * "Verified" means all of:
 *  - the receipt's signature is valid (EIP-712: the signer is recovered; JWS: the key named by
 *    its `kid`, only `did:key` or `did:jwk`, which carry the key itself: a `did:web` key would
 *    need a fetch to a vendor-chosen host, which the payer never makes);
 *  - the signer is the expected one: the signer of the signed offer the payment accepted (same
 *    address, or same `kid`), or, when the 402 carried no signed offer, the payee (`payTo`)
 *    itself (EIP-712 only);
 *  - the receipt matches the payment: resourceUrl = the requested URL, network = the ledger
 *    row's, payer = our wallet, transaction (when given) = the row's tx hash;
 *  - the offer (when there is one) matches the payment: payTo = the row's payee, asset and
 *    network = the row's, resourceUrl = the requested URL, amount = the amount the ledger took
 *    (for `upto`, the offer's amount is the ceiling: the row's final amount must not exceed it).
 * The receipt's `issuedAt` is recorded, not judged: the payer checks it moments after payment.
 */

export const MAX_RECEIPT_BYTES = 8_192;
export const MAX_OFFERS = 16;

export const RECEIPT_REASONS = [
  "too_large",
  "malformed",
  "unsupported_format",
  "jws_key_unsupported",
  "bad_signature",
  "offer_signature_invalid",
  "no_signed_offer",
  "signer_mismatch",
  "resource_mismatch",
  "network_mismatch",
  "payer_mismatch",
  "transaction_mismatch",
  "payto_mismatch",
  "asset_mismatch",
  "amount_mismatch",
] as const;
export type ReceiptReason = (typeof RECEIPT_REASONS)[number];

/** What the ledger knows about the payment the receipt is for. */
export interface PaymentFacts {
  resourceUrl: string;
  network: string;
  payer: string;
  payee: string;
  asset: string;
  /** The amount the ledger took (the row's final amount). */
  amountMicro: bigint;
  txHash: string | null;
  /** `exact` or `upto` (upto: the offer's amount is a ceiling). */
  scheme: string;
}

export interface ReceiptCheck {
  status: "verified" | "invalid";
  reason: ReceiptReason | null;
  detail: string | null;
  format: string | null;
  signer: string | null;
  expectedSigner: string | null;
  /** The receipt as received, or null when it was too large to keep. */
  receipt: unknown;
  offer: unknown;
}

const text = (max: number) => z.string().max(max);
const receiptPayloadSchema = z.object({
  version: z.number().int(),
  network: text(128),
  resourceUrl: text(4096),
  payer: text(256),
  issuedAt: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  transaction: text(256).optional(),
});
const receiptSchema = z.union([
  z.object({ format: z.literal("eip712"), payload: receiptPayloadSchema, signature: text(1024) }),
  z.object({ format: z.literal("jws"), signature: text(MAX_RECEIPT_BYTES) }),
]);
const offerPayloadSchema = z.object({
  version: z.number().int(),
  resourceUrl: text(4096),
  scheme: text(64),
  network: text(128),
  asset: text(256),
  payTo: text(256),
  amount: text(96),
  validUntil: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
});
const offerSchema = z.union([
  z.object({
    format: z.literal("eip712"),
    acceptIndex: z.number().int().nonnegative().optional(),
    payload: offerPayloadSchema,
    signature: text(1024),
  }),
  z.object({
    format: z.literal("jws"),
    acceptIndex: z.number().int().nonnegative().optional(),
    signature: text(MAX_RECEIPT_BYTES),
  }),
]);
type ReceiptPayload = z.infer<typeof receiptPayloadSchema>;
type OfferPayload = z.infer<typeof offerPayloadSchema>;

/** JSON's length, or Infinity for anything JSON cannot hold (a cycle cannot come from a header). */
function jsonSize(value: unknown): number {
  try {
    return JSON.stringify(value)?.length ?? 0;
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

const sameUrl = (a: string, b: string) => {
  try {
    return new URL(a).toString() === new URL(b).toString();
  } catch {
    return false;
  }
};
const sameHex = (a: string | null | undefined, b: string | null | undefined) =>
  typeof a === "string" && typeof b === "string" && a.toLowerCase() === b.toLowerCase();

/** The receipt inside a decoded PAYMENT-RESPONSE's `extensions`, or undefined when none is there. */
export function receiptFromSettlement(extensions: unknown): unknown {
  if (!extensions || typeof extensions !== "object") return undefined;
  const ext = (extensions as Record<string, unknown>)[OFFER_RECEIPT];
  if (ext === undefined) return undefined;
  const info = ext && typeof ext === "object" ? (ext as { info?: unknown }).info : undefined;
  const receipt = info && typeof info === "object" ? (info as { receipt?: unknown }).receipt : undefined;
  // The extension is there but holds no receipt object: recorded as malformed, not ignored.
  return receipt === undefined ? ext : receipt;
}

/** The signed offers of a 402 answer's `extensions` (at most MAX_OFFERS, oversize ones dropped). */
export function offersFromPaymentRequired(extensions: unknown): unknown[] {
  if (!extensions || typeof extensions !== "object") return [];
  const ext = (extensions as Record<string, unknown>)[OFFER_RECEIPT];
  const info = ext && typeof ext === "object" ? (ext as { info?: unknown }).info : undefined;
  const offers = info && typeof info === "object" ? (info as { offers?: unknown }).offers : undefined;
  if (!Array.isArray(offers)) return [];
  // PostgreSQL's jsonb cannot hold a NUL: such an offer could not be stored beside its receipt.
  return offers.slice(0, MAX_OFFERS).filter((o) => jsonSize(o) <= MAX_RECEIPT_BYTES && !findUnsafeField(o));
}

/** A JWS key id the payer can resolve without a network request. */
function localKid(jws: string): string | null {
  try {
    const kid = extractJWSHeader(jws).kid;
    return typeof kid === "string" && /^did:(key|jwk):/.test(kid) && kid.length <= 2048 ? kid : null;
  } catch {
    return null;
  }
}

type Signed<T> =
  | { ok: true; signer: string; payload: T }
  | { ok: false; reason: ReceiptReason; detail: string };

async function verifyReceiptSignature(receipt: SignedReceipt): Promise<Signed<ReceiptPayload>> {
  try {
    if (receipt.format === "eip712") {
      const { signer, payload } = await verifyReceiptSignatureEIP712(receipt);
      return { ok: true, signer, payload: payload as ReceiptPayload };
    }
    const kid = localKid(receipt.signature);
    if (!kid) {
      return {
        ok: false,
        reason: "jws_key_unsupported",
        detail: "the JWS key id is not a did:key or did:jwk",
      };
    }
    const raw = await verifyReceiptSignatureJWS(receipt);
    const payload = receiptPayloadSchema.safeParse(raw);
    if (!payload.success)
      return { ok: false, reason: "malformed", detail: "the JWS payload is not a receipt" };
    return { ok: true, signer: kid, payload: payload.data };
  } catch (error) {
    return { ok: false, reason: "bad_signature", detail: `the signature does not verify (${short(error)})` };
  }
}

async function verifyOffer(offer: SignedOffer): Promise<Signed<OfferPayload>> {
  try {
    if (offer.format === "eip712") {
      const { signer, payload } = await verifyOfferSignatureEIP712(offer);
      return { ok: true, signer, payload: payload as OfferPayload };
    }
    const kid = localKid(offer.signature);
    if (!kid) {
      return {
        ok: false,
        reason: "jws_key_unsupported",
        detail: "the offer's JWS key id is not a did:key or did:jwk",
      };
    }
    const payload = offerPayloadSchema.safeParse(await verifyOfferSignatureJWS(offer));
    if (!payload.success)
      return { ok: false, reason: "malformed", detail: "the offer's JWS payload is not an offer" };
    return { ok: true, signer: kid, payload: payload.data };
  } catch (error) {
    return {
      ok: false,
      reason: "offer_signature_invalid",
      detail: `the offer's signature does not verify (${short(error)})`,
    };
  }
}

const short = (error: unknown) => (error instanceof Error ? error.message : String(error)).slice(0, 160);

/**
 * The offer the payment accepted: the one at the accepted option's index, or else the first whose
 * scheme, network, asset and payee are the accepted option's. Its amount is not used to choose it,
 * so an offer that names another amount is found and reported, not skipped.
 */
function acceptedOffer(offers: unknown[], acceptIndex: number, facts: PaymentFacts) {
  const parsed = offers.flatMap((o) => {
    const r = offerSchema.safeParse(o);
    return r.success ? [r.data] : [];
  });
  const byIndex = parsed.find((o) => o.acceptIndex === acceptIndex);
  if (byIndex) return byIndex;
  return parsed.find(
    (o) =>
      o.format === "eip712" &&
      o.payload.scheme === facts.scheme &&
      o.payload.network === facts.network &&
      sameHex(o.payload.asset, facts.asset) &&
      sameHex(o.payload.payTo, facts.payee),
  );
}

function mismatches(receipt: ReceiptPayload, offer: OfferPayload | null, facts: PaymentFacts) {
  const found: { reason: ReceiptReason; detail: string }[] = [];
  const add = (reason: ReceiptReason, what: string, said: string, is: string) =>
    found.push({
      reason,
      detail: `${what} says ${JSON.stringify(said)}, the payment has ${JSON.stringify(is)}`,
    });
  if (!sameUrl(receipt.resourceUrl, facts.resourceUrl))
    add("resource_mismatch", "the receipt's resourceUrl", receipt.resourceUrl, facts.resourceUrl);
  if (receipt.network !== facts.network)
    add("network_mismatch", "the receipt's network", receipt.network, facts.network);
  if (!sameHex(receipt.payer, facts.payer))
    add("payer_mismatch", "the receipt's payer", receipt.payer, facts.payer);
  if (receipt.transaction && !sameHex(receipt.transaction, facts.txHash))
    add("transaction_mismatch", "the receipt's transaction", receipt.transaction, facts.txHash ?? "");
  if (offer) {
    if (!sameHex(offer.payTo, facts.payee))
      add("payto_mismatch", "the offer's payTo", offer.payTo, facts.payee);
    if (!sameHex(offer.asset, facts.asset))
      add("asset_mismatch", "the offer's asset", offer.asset, facts.asset);
    if (offer.network !== facts.network)
      add("network_mismatch", "the offer's network", offer.network, facts.network);
    if (!sameUrl(offer.resourceUrl, facts.resourceUrl))
      add("resource_mismatch", "the offer's resourceUrl", offer.resourceUrl, facts.resourceUrl);
    const amount = /^\d{1,78}$/.test(offer.amount) ? BigInt(offer.amount) : null;
    const fits =
      amount !== null &&
      (facts.scheme === "upto" ? facts.amountMicro <= amount : facts.amountMicro === amount);
    if (!fits) add("amount_mismatch", "the offer's amount", offer.amount, facts.amountMicro.toString());
  }
  return found;
}

/**
 * Checks a receipt (as found in the paid answer) against the payment. Never throws: a problem
 * is an `invalid` result whose `reason` is the first one found and whose `detail` lists them.
 */
export async function checkReceipt(input: {
  receipt: unknown;
  offers: unknown[];
  acceptIndex: number;
  facts: PaymentFacts;
}): Promise<ReceiptCheck> {
  const { facts } = input;
  const base = { format: null, signer: null, expectedSigner: null, offer: null };
  const invalid = (
    reason: ReceiptReason,
    detail: string,
    more: Partial<ReceiptCheck> = {},
  ): ReceiptCheck => ({
    ...base,
    receipt: input.receipt,
    ...more,
    status: "invalid",
    reason,
    detail,
  });
  const size = jsonSize(input.receipt);
  if (size > MAX_RECEIPT_BYTES) {
    return invalid(
      "too_large",
      `the receipt is ${Number.isFinite(size) ? size : "unbounded"} bytes of JSON, over ${MAX_RECEIPT_BYTES}`,
      {
        receipt: null,
      },
    );
  }
  const unsafe = findUnsafeField(input.receipt);
  if (unsafe) {
    // Not kept: PostgreSQL's jsonb cannot store a NUL, and the text is nobody's receipt.
    return invalid("malformed", `the receipt holds a ${unsafe.found.kind} (${unsafe.found.codePoint})`, {
      receipt: null,
    });
  }
  const parsed = receiptSchema.safeParse(input.receipt);
  if (!parsed.success) {
    const format = (input.receipt as { format?: unknown } | null)?.format;
    if (typeof format === "string" && format !== "eip712" && format !== "jws") {
      return invalid(
        "unsupported_format",
        `the receipt's format ${JSON.stringify(format.slice(0, 40))} is neither eip712 nor jws`,
      );
    }
    return invalid("malformed", "the receipt is not a signed x402 receipt (format, payload, signature)");
  }
  const receipt = parsed.data as SignedReceipt;
  const format = receipt.format;
  const signed = await verifyReceiptSignature(receipt);
  if (!signed.ok) return invalid(signed.reason, signed.detail, { format });

  const offer = acceptedOffer(input.offers, input.acceptIndex, facts);
  let offerPayload: OfferPayload | null = null;
  let expectedSigner: string | null = null;
  if (offer) {
    const checked = await verifyOffer(offer as SignedOffer);
    if (!checked.ok) {
      return invalid("offer_signature_invalid", checked.detail, { format, signer: signed.signer, offer });
    }
    offerPayload = checked.payload;
    expectedSigner = checked.signer;
  } else if (format === "eip712") {
    expectedSigner = facts.payee;
  }
  const more = { format, signer: signed.signer, expectedSigner, offer: offer ?? null };
  if (!expectedSigner) {
    return invalid(
      "no_signed_offer",
      "a JWS receipt without a signed offer has no key it can be checked against",
      more,
    );
  }
  const sameSigner =
    format === "eip712" ? sameHex(signed.signer, expectedSigner) : signed.signer === expectedSigner;
  if (!sameSigner) {
    return invalid(
      "signer_mismatch",
      `signed by ${signed.signer}, expected ${expectedSigner} (${offer ? "the signer of the accepted offer" : "the payee, as the 402 had no signed offer"})`,
      more,
    );
  }
  const found = mismatches(signed.payload, offerPayload, facts);
  const first = found[0];
  if (first) return invalid(first.reason, found.map((f) => f.detail).join("; "), more);
  return { ...more, status: "verified", reason: null, detail: null, receipt: input.receipt };
}
