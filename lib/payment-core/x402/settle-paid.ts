import type { SettleResponse } from "@x402/core/types";
import type { Response } from "undici";
import type { BudgetEngine } from "../budgets/engine";
import { formatDollars, type Micro } from "../support/money";
import { heldOutcome, type LedgerRow, type PayOutcome, rowOutcome, type VendorResponse } from "./outcome";
import { type ResponseBodyError, unsettledCause } from "./vendor-http";

/**
 * The last step of a purchase, once the signed request has gone out: the vendor's confirmed
 * settlement is committed (at most the reserved amount); anything else is asked of the chain,
 * since the vendor holds a valid signature and its word proves nothing.
 */

export interface SettleStep {
  engine: BudgetEngine;
  /** The reservation's ledger row, now `authorized`. */
  id: string;
  vendor: string;
  reservedMicro: Micro;
  /** Resends so far (recorded on the row). */
  retries: () => number;
  /** Keeps the vendor's answer of a committed row (ledger/responses.ts), off the payment's path. */
  keepResponse: (id: string, response: VendorResponse) => void;
  /** Milliseconds since the purchase started. */
  elapsed: () => number;
  readRow: (id: string) => Promise<LedgerRow | undefined>;
  /** The row through the settlement resolver (captured if used on chain, else as it is). */
  resolveFromChain: (id: string, actor: string) => Promise<void>;
  /**
   * `upto`: the vendor chooses the amount it settles (at most the reserved maximum), so its
   * PAYMENT-RESPONSE claim is never committed: the chain's Transfer is. Default `exact`.
   */
  scheme?: string;
}

/** What came back for the signed request: nothing (`sendError`), or a response read within the cap. */
export interface PaidAnswer {
  paid: Response | null;
  sendError: string | null;
  response?: VendorResponse;
  bodyError: ResponseBodyError | null;
  settle: SettleResponse | null;
}

export async function settlePaid(step: SettleStep, answer: PaidAnswer): Promise<PayOutcome> {
  const { id, vendor } = step;
  const { paid, sendError, response, bodyError, settle } = answer;
  /** A finish the engine refused (a resolver got there first): answer with the row as it is. */
  const current = async (): Promise<PayOutcome> => {
    const row = await step.readRow(id);
    if (row) return rowOutcome(row);
    return {
      ok: false,
      code: "settlement_unknown",
      message: `transaction ${id} disappeared`,
      transactionId: id,
      vendor,
      latencyMs: step.elapsed(),
      replayed: false,
    };
  };

  if (paid && paid.status < 400 && settle?.success && step.scheme === "upto") {
    return settledUpto(step, answer, paid, current);
  }

  if (paid && paid.status < 400 && settle?.success) {
    const amount = settle.amount && /^\d+$/.test(settle.amount) ? BigInt(settle.amount) : step.reservedMicro;
    const committed = await step.engine.capture(
      id,
      amount <= step.reservedMicro ? amount : step.reservedMicro,
      settle.transaction ?? null,
      {
        retryCount: step.retries(),
        latencyMs: step.elapsed(),
        // Only the status: the answer itself is kept apart, after the commit (ledger/responses.ts).
        metadata: {
          response: bodyError ? { status: paid.status, error: bodyError.code } : { status: paid.status },
        },
      },
    );
    if (!committed.ok) return current();
    if (response) step.keepResponse(id, response);
    if (bodyError) {
      // The money moved: the ledger says completed, and the answer says why there is no body.
      return {
        ok: false,
        code: bodyError.code,
        message: `paid (${formatDollars(committed.amountMicro)}) but ${bodyError.message}`,
        transactionId: id,
        vendor,
        latencyMs: step.elapsed(),
        replayed: false,
        settlement: {
          status: "completed",
          cause: bodyError.code,
          txHash: committed.txHash,
          priceMicro: committed.amountMicro,
        },
      };
    }
    return {
      ok: true,
      paid: true,
      transactionId: id,
      status: "completed",
      priceMicro: committed.amountMicro,
      txHash: committed.txHash,
      vendor,
      latencyMs: step.elapsed(),
      response: response ?? null,
      replayed: false,
    };
  }

  // Not settled as far as the vendor says. The vendor holds a valid signature, so its word
  // proves nothing: the chain decides. Used → captured with the chain's figures. Unused → the
  // row stays `authorized` and the reservation holds until the resolver proves the
  // authorization dead (expired or cancelled on chain) or finds it used.
  const { cause, reason } = unsettledCause(paid, sendError, bodyError, settle);
  // What the vendor did is recorded on the row first; then the settlement resolver (the one
  // capture path) asks the chain: used → completed with the chain's figures, else held.
  await step.engine.recordVendorFailure(id, {
    code: cause,
    message: reason,
    retryCount: step.retries(),
    latencyMs: step.elapsed(),
    responseStatus: paid?.status,
  });
  await step.resolveFromChain(id, "payer");
  const row = await step.readRow(id);
  const base = { vendor, latencyMs: step.elapsed(), replayed: false, response };
  if (row?.status === "completed") {
    return {
      ok: false,
      code: cause,
      message: `paid on chain (tx ${row.tx_hash}, ${formatDollars(row.amount_micro)}) but: ${reason}`,
      transactionId: id,
      ...base,
      settlement: { status: "completed", cause, txHash: row.tx_hash, priceMicro: row.amount_micro },
    };
  }
  if (row?.status !== "authorized") return current();
  return heldOutcome(
    row,
    cause,
    `${reason}. The signed authorization is unused on chain so far but still valid until ${row.valid_before}: ${formatDollars(row.amount_micro)} stays reserved until it expires or is cancelled (x402 settle --id ${id} --cancel)`,
    base,
  );
}

/**
 * An `upto` purchase the vendor says it settled: the settlement resolver reads the chain (Permit2's
 * nonce bitmap and the settlement's Transfer log, chain/permit2.ts) and captures the amount that
 * moved, releasing the rest of the reserved maximum. A vendor that claims more than it settled is
 * recorded at the chain's figure; one whose settlement is not on chain yet leaves the row
 * `authorized` with the maximum held, for the resolver to capture or release later.
 */
async function settledUpto(
  step: SettleStep,
  answer: PaidAnswer,
  paid: Response,
  current: () => Promise<PayOutcome>,
): Promise<PayOutcome> {
  const { id, vendor } = step;
  const { response, bodyError, settle } = answer;
  await step.resolveFromChain(id, "payer");
  const row = await step.readRow(id);
  const base = { vendor, latencyMs: step.elapsed(), replayed: false, response };
  const claimed = settle?.amount && /^\d+$/.test(settle.amount) ? BigInt(settle.amount) : null;
  if (row?.status === "completed") {
    const txHash = row.tx_hash;
    const priceMicro = row.amount_micro;
    if (bodyError) {
      return {
        ok: false,
        code: bodyError.code,
        message: `paid (${formatDollars(priceMicro)}) but ${bodyError.message}`,
        transactionId: id,
        ...base,
        settlement: { status: "completed", cause: bodyError.code, txHash, priceMicro },
      };
    }
    return {
      ok: true,
      paid: true,
      transactionId: id,
      status: "completed",
      priceMicro,
      txHash,
      vendor,
      latencyMs: step.elapsed(),
      response: response ?? null,
      replayed: false,
    };
  }
  if (row?.status !== "authorized") return current();
  return heldOutcome(
    row,
    "settlement_unconfirmed",
    `the vendor answered ${paid.status} and claims a settlement${claimed !== null ? ` of ${formatDollars(claimed)}` : ""}${settle?.transaction ? ` in ${settle.transaction}` : ""}, but the chain shows none for this authorization yet: ${formatDollars(row.amount_micro)} (the maximum) stays reserved until the settlement appears, the permit's deadline ${row.valid_before} passes, or it is cancelled (x402 settle --id ${id} --cancel)`,
    base,
  );
}
