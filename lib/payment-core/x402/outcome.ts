import { sql } from "drizzle-orm";
import type { Database } from "@/db/client";
import { isoSeconds } from "@/db/sql";
import { type Refusal, refusalFigures } from "../budgets/engine";
import { parseStoredResponse, storedResponseColumn } from "../ledger/responses";
import type { RefusalCode } from "../support/errors";
import { formatDollars, type Micro } from "../support/money";
import type { RotatingFigures } from "../treasury/rotation-gate";

/**
 * What a purchase answers, and how a ledger row is answered again: a replayed idempotency key,
 * or a finish that a resolver reached first, is answered from the row as it stands.
 */

export interface PayRequest {
  agentId: string;
  url: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** The caller's own ceiling for this purchase. */
  maxPriceMicro?: Micro;
  idempotencyKey: string;
  /** A label for the ledger; defaults to the URL's host. */
  vendor?: string;
}

export interface VendorResponse {
  status: number;
  headers: Record<string, string>;
  /** Parsed JSON when the content type says JSON, else the text; base64 when `encoding` says so. */
  body: unknown;
  /** Set when the body was not UTF-8: `body` is its bytes in base64. */
  encoding?: "base64";
}

export type PayFailureCode =
  | RefusalCode
  | "payment_requirements_rejected"
  | "payment_in_progress"
  | "vendor_error"
  | "settlement_failed"
  | "settlement_unknown"
  | "network_error"
  | "signing_failed"
  | "reservation_closed"
  | "idempotency_key_reused"
  | "destination_not_allowed"
  | "vendor_not_allowed"
  | "vendor_payto_changed"
  | "vendor_response_too_large"
  | "payer_rotating"
  // Held for a person's approval (approval-gate.ts), and how a hold ends unpaid.
  | "awaiting_approval"
  | "payment_denied"
  | "approval_expired"
  | "approval_requirements_changed"
  // Stored by the settlement resolver on a released reservation; a replay answers them.
  | "stale_reservation"
  | "authorization_expired"
  | "authorization_cancelled";

/** Why a `vendor_payto_changed` refusal was made: the vendor, its pinned payTo and the one its 402 asked. */
export interface VendorPayToFigures {
  host: string;
  knownPayTo: string;
  askedPayTo: string;
}

/** Why a `vendor_not_allowed` refusal was made: what was asked for and what the agent may pay. */
export interface VendorPolicyFigures {
  host?: string;
  payee?: string;
  allowedHosts?: string[];
  allowedPayees?: string[];
}

export type PayOutcome =
  | { ok: true; paid: false; response: VendorResponse; latencyMs: number; vendor: string }
  | {
      ok: true;
      paid: true;
      transactionId: string;
      status: "completed";
      priceMicro: Micro;
      txHash: string | null;
      vendor: string;
      latencyMs: number;
      response: VendorResponse | null;
      replayed: boolean;
    }
  | {
      ok: false;
      code: PayFailureCode;
      message: string;
      transactionId: string | null;
      vendor: string;
      latencyMs: number;
      replayed: boolean;
      figures?: Partial<
        Pick<
          Refusal,
          | "limitMicro"
          | "usedMicro"
          | "remainingMicro"
          | "requestedMicro"
          // A fleet or vendor cap's refusal: the cap's spent and reserved, and whose cap it is.
          | "spentMicro"
          | "reservedMicro"
          | "scope"
          | "vendor"
          | "capAgentId"
        >
      >;
      /** Set on `payer_rotating`: the rotation that gates the payer, and when to try again. */
      rotating?: RotatingFigures;
      /** Set on `vendor_not_allowed`. */
      vendorPolicy?: VendorPolicyFigures;
      /** Set on `vendor_payto_changed`. */
      vendorPayTo?: VendorPayToFigures;
      /** Set on `awaiting_approval`: the approval to poll, and when to retry the same key. */
      approval?: {
        id: string;
        status: string;
        amountMicro: Micro;
        /** UTC ISO. */
        expiresAt: string;
        retryAfterSeconds: number;
        pollUrl: string;
      };
      response?: VendorResponse;
      /**
       * The ledger row's state when the money side is not simply "nothing happened":
       * `authorized` (signed, outcome unknown, reservation held), or `completed` (the chain shows
       * the money moved although the vendor failed).
       */
      settlement?: {
        status: "authorized" | "completed";
        /** What went wrong first: vendor_error, settlement_failed, network_error. */
        cause?: string;
        heldMicro?: Micro;
        validBefore?: string | null;
        txHash?: string | null;
        priceMicro?: Micro;
      };
    };

/** The ledger columns an answer is built from. */
export type LedgerRow = {
  id: string;
  status: string;
  amount_micro: bigint;
  tx_hash: string | null;
  error_code: string | null;
  error_message: string | null;
  vendor: string;
  latency_ms: number | null;
  /** UTC ISO to the second, as the answer shows it. */
  valid_before: string | null;
  metadata: Record<string, unknown>;
  /** The vendor's answer as kept in transaction_responses (ledger/responses.ts), JSON text. */
  stored_response?: string | null;
};

const ROW_COLUMNS = `id, status::text AS status, amount_micro, tx_hash, error_code, error_message, vendor,
  latency_ms, valid_before, metadata, ${storedResponseColumn("transactions")}`;

/** A ledger row by id, or by (agent, idempotency key): each by its own index. */
export async function readLedgerRow(
  db: Database,
  where: { agentId: string; key: string } | { id: string },
): Promise<LedgerRow | undefined> {
  const rows =
    "id" in where
      ? await db.execute<LedgerRow>(
          sql`SELECT ${sql.raw(ROW_COLUMNS)} FROM transactions WHERE id = ${where.id}`,
        )
      : await db.execute<LedgerRow>(sql`SELECT ${sql.raw(ROW_COLUMNS)} FROM transactions
          WHERE agent_id = ${where.agentId} AND idempotency_key = ${where.key}`);
  const row = rows[0];
  return row && { ...row, valid_before: row.valid_before === null ? null : isoSeconds(row.valid_before) };
}

/** The answer for a row whose money is still open: signed, outcome unknown, budget held. */
export function heldOutcome(
  row: LedgerRow,
  cause: string,
  message: string,
  base: { vendor: string; latencyMs: number; replayed: boolean; response?: VendorResponse },
): PayOutcome {
  return {
    ok: false,
    code: "settlement_unknown",
    message,
    transactionId: row.id,
    ...base,
    settlement: {
      status: "authorized",
      cause,
      heldMicro: row.amount_micro,
      validBefore: row.valid_before,
    },
  };
}

/** A budget refusal (the engine's, or a hold's) as the purchase's answer, with its figures. */
export function refusalOutcome(r: Refusal, vendor: string, latencyMs: number): PayOutcome {
  return {
    ok: false,
    code: r.code,
    message: r.message,
    transactionId: r.transactionId,
    vendor,
    latencyMs,
    replayed: r.replayed,
    figures: {
      limitMicro: r.limitMicro,
      usedMicro: r.usedMicro,
      remainingMicro: r.remainingMicro,
      requestedMicro: r.requestedMicro,
      spentMicro: r.spentMicro,
      reservedMicro: r.reservedMicro,
      scope: r.scope,
      vendor: r.vendor,
      capAgentId: r.capAgentId,
    },
  };
}

/**
 * A row committed before issue 30 carries the vendor's whole answer in `metadata.response`; since
 * then the metadata keeps only its status and the answer is in transaction_responses.
 */
function legacyResponse(metadata: Record<string, unknown>): VendorResponse | null {
  const r = metadata.response as Partial<VendorResponse> | undefined;
  return r &&
    typeof r === "object" &&
    typeof r.status === "number" &&
    r.headers &&
    typeof r.headers === "object"
    ? (r as VendorResponse)
    : null;
}

/** The answer a row gives when it is asked again. */
export function rowOutcome(row: LedgerRow): PayOutcome {
  const base = { vendor: row.vendor, latencyMs: row.latency_ms ?? 0, replayed: true };
  if (row.status === "completed") {
    return {
      ok: true,
      paid: true,
      transactionId: row.id,
      status: "completed",
      priceMicro: row.amount_micro,
      txHash: row.tx_hash,
      response: parseStoredResponse(row.stored_response) ?? legacyResponse(row.metadata),
      ...base,
    };
  }
  if (row.status === "pending") {
    return {
      ok: false,
      code: "payment_in_progress",
      message: `transaction ${row.id} for this idempotency key is still in progress`,
      transactionId: row.id,
      ...base,
    };
  }
  if (row.status === "awaiting_approval") {
    // The payer answers a held row with its approval (approval-gate.ts); this is the bare answer.
    return {
      ok: false,
      code: "awaiting_approval",
      message: `transaction ${row.id} is held for a person's approval`,
      transactionId: row.id,
      ...base,
    };
  }
  if (row.status === "authorized") {
    return heldOutcome(
      row,
      row.error_code ?? "in_progress",
      row.error_code
        ? `${row.error_message ?? row.error_code}; the chain does not show the payment yet, so ${formatDollars(row.amount_micro)} stays reserved until the authorization expires${row.valid_before ? ` (${row.valid_before})` : ""} or is cancelled`
        : `transaction ${row.id} is signed and in progress`,
      base,
    );
  }
  const payTo = row.metadata.vendor_payto as VendorPayToFigures | undefined;
  return {
    ok: false,
    code: (row.error_code ?? "vendor_error") as PayFailureCode,
    message: row.error_message ?? "",
    transactionId: row.id,
    figures: refusalFigures(row.metadata),
    ...(payTo && typeof payTo === "object" ? { vendorPayTo: payTo } : {}),
    ...base,
  };
}
