import { createHash } from "node:crypto";
import { x402Client } from "@x402/core/client";
import {
  decodePaymentRequiredHeader,
  decodePaymentResponseHeader,
  encodePaymentSignatureHeader,
} from "@x402/core/http";
import type { PaymentPayload, PaymentRequired, PaymentRequirements, SettleResponse } from "@x402/core/types";
import { ExactEvmScheme } from "@x402/evm/exact/client";
import { Headers, type RequestInit, type Response, fetch as undiciFetch } from "undici";
import type { Address, Hex, LocalAccount, PublicClient } from "viem";
import type { Database } from "@/db/client";
import type { BudgetEngine, Refusal } from "../budgets/engine";
import { blockAtOrBefore, readAuthorizationOutcome } from "../chain/usdc-events";
import type { RefusalCode } from "../errors";
import { InvalidInputError } from "../errors";
import { formatUsd, type Micro } from "../money";
import { resolveOpenTransactions } from "../settlement/resolver";
import { getVendorPolicy, hostAllowed, payeeAllowed } from "../vendor-policy";
import { checkDestination, destinationRefusal, guardedAgent } from "./destination";
import { type RequirementsPolicy, selectRequirements } from "./policy";

/**
 * `payForService`: an agent's purchase of one HTTP resource over x402, guarded by the budget
 * engine. The order is the safety argument:
 *   request → 402 → check the requirements against policy → reserve the exact amount →
 *   sign (official @x402 client) → record the authorization → send → commit or release.
 * Nothing is signed unless the reservation succeeded, and one purchase signs at most one
 * authorization: a failed send is retried with the same signed payload, never a new one.
 */

export interface PayerConfig {
  network: string;
  usdcAddress: Address;
  usdcName: string;
  usdcVersion: string;
  maxTimeoutSeconds: number;
  vendorTimeoutMs: number;
  maxRetries: number;
  /** First backoff step; doubles each retry, plus jitter. */
  retryBaseMs?: number;
  /** A reservation still pending (never signed) after this long is released on a retry. */
  staleAfterMs?: number;
  /**
   * `host:port` entries the payer may reach although they are private or loopback
   * (X402_ALLOWED_PRIVATE_HOSTS). Every other non-public destination is refused.
   */
  allowedPrivateHosts: readonly string[];
  /** This console's own `host:port`: refused even when listed above. */
  selfHosts?: readonly string[];
  /** The most bytes of a vendor's response body that are read (default 1 MiB). */
  maxResponseBytes?: number;
}

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
  body: unknown;
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
  | "vendor_response_too_large";

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
      figures?: Partial<Pick<Refusal, "limitMicro" | "usedMicro" | "remainingMicro" | "requestedMicro">>;
      /** Set on `vendor_not_allowed`. */
      vendorPolicy?: VendorPolicyFigures;
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

export interface PayerDeps {
  db: Database;
  engine: BudgetEngine;
  config: PayerConfig;
  account: LocalAccount;
  publicClient: PublicClient;
  /** undici's fetch (or a wrapper of it): the payer passes its own guarded dispatcher. */
  fetch?: typeof undiciFetch;
  sleep?: (ms: number) => Promise<void>;
}

const METHODS = new Set(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"]);

/** The body that is actually sent: none for GET and HEAD. */
const sentBody = (method: string, body: string | undefined) =>
  method === "GET" || method === "HEAD" ? "" : (body ?? "");
const DEFAULT_MAX_RESPONSE_BYTES = 1_048_576;

class RetriesExhausted extends Error {}

/** A response body that could not be read within the caps: too large, or cut off. */
class ResponseBodyError extends Error {
  constructor(
    readonly code: "vendor_response_too_large" | "network_error",
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** Drops a body without reading it. */
const discard = (response: Response) => response.body?.cancel().catch(() => undefined);

/**
 * Reads at most `maxBytes` of the body, as it streams: a vendor answering 300 MB costs at most
 * `maxBytes` of memory, and the stream is cancelled the moment it passes the cap. The time limit
 * is the request's own signal (the vendor timeout), which also aborts a body that trickles.
 */
async function readResponse(response: Response, maxBytes: number): Promise<VendorResponse> {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, key) => {
    if (key !== "set-cookie") headers[key] = value;
  });
  const declared = Number(response.headers.get("content-length") ?? "");
  if (Number.isFinite(declared) && declared > maxBytes) {
    await discard(response);
    throw new ResponseBodyError(
      "vendor_response_too_large",
      `the vendor's response declares ${declared} bytes, above the ${maxBytes}-byte limit (X402_MAX_RESPONSE_BYTES)`,
      response.status,
    );
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  if (response.body) {
    const reader = response.body.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        total += value.byteLength;
        if (total > maxBytes) {
          await reader.cancel().catch(() => undefined);
          throw new ResponseBodyError(
            "vendor_response_too_large",
            `the vendor's response is larger than the ${maxBytes}-byte limit (X402_MAX_RESPONSE_BYTES); it was not read further`,
            response.status,
          );
        }
        chunks.push(value);
      }
    } catch (error) {
      if (error instanceof ResponseBodyError) throw error;
      await reader.cancel().catch(() => undefined);
      throw new ResponseBodyError(
        "network_error",
        `the vendor's response could not be read: ${(error as Error).message}`,
        response.status,
      );
    }
  }
  const text = new TextDecoder().decode(Buffer.concat(chunks, total));
  let body: unknown = text;
  if ((headers["content-type"] ?? "").includes("json")) {
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
  }
  return { status: response.status, headers, body };
}

export function createPayer(deps: PayerDeps) {
  const doFetch = deps.fetch ?? undiciFetch;
  const maxResponseBytes = deps.config.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const destinations = {
    allowedPrivateHosts: deps.config.allowedPrivateHosts,
    selfHosts: deps.config.selfHosts ?? [],
  };
  // Every connection, on every attempt, is checked and pinned to the address that was checked.
  const dispatcher = guardedAgent(destinations);
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const { config, engine, account } = deps;
  const baseDelay = config.retryBaseMs ?? 200;
  const backoff = (attempt: number) => baseDelay * 2 ** attempt + Math.floor(Math.random() * baseDelay);

  const scheme = new ExactEvmScheme(account);
  const network = config.network as `${string}:${string}`;

  /**
   * The official client, one per purchase: it signs, and its before-creation hook is a last
   * guard that it signs exactly the requirements the engine reserved for, capped at that amount.
   */
  function clientFor(approved: PaymentRequirements) {
    return new x402Client()
      .register(network, scheme)
      .setSpendControls({
        maxAmountPerPayment: false,
        allowedAssets: [{ network, asset: config.usdcAddress, maxAmountPerPayment: approved.amount }],
      })
      .onBeforePaymentCreation(async ({ selectedRequirements }) => {
        if (JSON.stringify(selectedRequirements) !== JSON.stringify(approved)) {
          return { abort: true, reason: "requirements differ from the ones the budget engine reserved" };
        }
      });
  }

  async function send(
    url: string,
    init: RequestInit,
    retryable: (r: Response) => boolean,
    counter: { retries: number },
  ) {
    for (let attempt = 0; ; attempt++) {
      try {
        const response = await doFetch(url, {
          ...init,
          redirect: "manual",
          dispatcher,
          signal: AbortSignal.timeout(config.vendorTimeoutMs),
        });
        if (!retryable(response) || attempt >= config.maxRetries) return response;
        await discard(response);
      } catch (error) {
        const refused = destinationRefusal(error);
        if (refused) throw refused;
        if (attempt >= config.maxRetries) throw new RetriesExhausted((error as Error).message);
      }
      counter.retries++;
      await sleep(backoff(attempt));
    }
  }

  type LedgerRow = {
    id: string;
    status: string;
    amount_micro: bigint;
    tx_hash: string | null;
    error_code: string | null;
    error_message: string | null;
    vendor: string;
    latency_ms: number | null;
    valid_before: string | null;
    metadata: Record<string, unknown>;
  };

  /** The answer for a row whose money is still open: signed, outcome unknown, budget held. */
  function heldOutcome(
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

  function replay(row: LedgerRow): PayOutcome {
    const base = { vendor: row.vendor, latencyMs: row.latency_ms ?? 0, replayed: true };
    if (row.status === "completed") {
      return {
        ok: true,
        paid: true,
        transactionId: row.id,
        status: "completed",
        priceMicro: row.amount_micro,
        txHash: row.tx_hash,
        response: (row.metadata.response as VendorResponse | undefined) ?? null,
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
    if (row.status === "authorized") {
      return heldOutcome(
        row,
        row.error_code ?? "in_progress",
        row.error_code
          ? `${row.error_message ?? row.error_code}; the chain does not show the payment yet, so ${formatUsd(row.amount_micro)} stays reserved until the authorization expires${row.valid_before ? ` (${row.valid_before})` : ""} or is cancelled`
          : `transaction ${row.id} is signed and in progress`,
        base,
      );
    }
    const refusal = (row.metadata.refusal ?? {}) as Record<string, string | undefined>;
    const big = (v: string | undefined) => (v === undefined ? undefined : BigInt(v));
    return {
      ok: false,
      code: (row.error_code ?? "vendor_error") as PayFailureCode,
      message: row.error_message ?? "",
      transactionId: row.id,
      figures: {
        limitMicro: big(refusal.limitMicro),
        usedMicro: big(refusal.usedMicro),
        remainingMicro: big(refusal.remainingMicro),
        requestedMicro: big(refusal.requestedMicro),
      },
      ...base,
    };
  }

  const ROW_COLUMNS = `id, status::text AS status, amount_micro, tx_hash, error_code, error_message, vendor,
    latency_ms, to_char(valid_before AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS valid_before, metadata`;

  /** A ledger row by id, or by (agent, idempotency key): each by its own index. */
  async function readRow(where: { agentId: string; key: string } | { id: string }) {
    const sql = deps.db.$client;
    const rows =
      "id" in where
        ? await sql<LedgerRow[]>`SELECT ${sql.unsafe(ROW_COLUMNS)} FROM transactions WHERE id = ${where.id}`
        : await sql<LedgerRow[]>`SELECT ${sql.unsafe(ROW_COLUMNS)} FROM transactions
            WHERE agent_id = ${where.agentId} AND idempotency_key = ${where.key}`;
    return rows[0];
  }

  /**
   * The same key again: the current state, never 409 forever. A row still open is first
   * resolved against the chain (captured if the authorization was used, released if it is
   * proven dead), so a retry after a crash or a vendor failure learns what happened.
   */
  async function existing(agentId: string, key: string) {
    const row = await readRow({ agentId, key });
    if (!row || (row.status !== "pending" && row.status !== "authorized")) return row;
    await resolveOpenTransactions(
      {
        db: deps.db,
        engine,
        client: deps.publicClient,
        usdcAddress: config.usdcAddress,
        payerAddress: account.address,
      },
      { ids: [row.id], staleAfterMs: config.staleAfterMs ?? 300_000, actor: "payer:replay" },
    ).catch(() => undefined);
    return readRow({ id: row.id });
  }

  async function payForService(req: PayRequest): Promise<PayOutcome> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    let url: URL;
    try {
      url = new URL(req.url);
    } catch {
      throw new InvalidInputError("invalid_request", `url ${JSON.stringify(req.url)} is not a URL`);
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      throw new InvalidInputError("invalid_request", "url must be http or https");
    }
    const method = (req.method ?? "GET").toUpperCase();
    if (!METHODS.has(method))
      throw new InvalidInputError("invalid_request", `method ${method} is not supported`);
    const vendor = req.vendor ?? url.host;
    // What makes this purchase this purchase: the same key with another request is a client bug
    // (Stripe answers it the same way), never a silent replay of the first one.
    const fingerprint = createHash("sha256")
      .update(
        JSON.stringify([
          url.toString(),
          method,
          sentBody(method, req.body),
          req.maxPriceMicro?.toString() ?? "",
        ]),
      )
      .digest("hex");
    const replayRow = (row: LedgerRow): PayOutcome => {
      const stored = row.metadata.request_fingerprint;
      if (typeof stored === "string" && stored !== fingerprint) {
        return {
          ok: false,
          code: "idempotency_key_reused",
          message: `idempotency key ${JSON.stringify(req.idempotencyKey)} was used for transaction ${row.id} with another url, method, body or price; use a new key for a new purchase`,
          transactionId: row.id,
          vendor,
          latencyMs: elapsed(),
          replayed: true,
        };
      }
      return replay(row);
    };
    const details = {
      vendor,
      resourceUrl: url.toString(),
      method,
      asset: config.usdcAddress,
      network: config.network,
      payer: account.address,
      metadata: { request_fingerprint: fingerprint } as Record<string, unknown>,
    };
    const fail = async (
      transactionId: string | null,
      code: PayFailureCode,
      message: string,
      extra: { response?: VendorResponse; vendorPolicy?: VendorPolicyFigures } = {},
    ): Promise<PayOutcome> => ({
      ok: false,
      code,
      message,
      transactionId,
      vendor,
      latencyMs: elapsed(),
      replayed: false,
      ...extra,
    });
    /** A refusal before anything is reserved or signed: a `rejected` ledger row with the code. */
    const refuse = async (
      code: "payment_requirements_rejected" | "vendor_not_allowed",
      reason: string,
      extra: { amountMicro?: Micro; payee?: string; vendorPolicy?: VendorPolicyFigures } = {},
    ) => {
      const { transactionId, replayed } = await engine.recordRefusal(
        req.agentId,
        req.idempotencyKey,
        { code, message: reason, amountMicro: extra.amountMicro },
        {
          ...details,
          payee: extra.payee,
          metadata: extra.vendorPolicy
            ? { ...details.metadata, vendor_policy: extra.vendorPolicy }
            : details.metadata,
        },
      );
      if (replayed) {
        const row = await existing(req.agentId, req.idempotencyKey);
        if (row) return replayRow(row);
      }
      return fail(
        transactionId,
        code,
        reason,
        extra.vendorPolicy ? { vendorPolicy: extra.vendorPolicy } : {},
      );
    };

    // The operator's allowlist for this agent, read per payment (no cache: a change applies to the
    // next payment), before any request goes out. An unknown agent has none; the engine refuses it.
    const policy = (await getVendorPolicy(deps.db, req.agentId)) ?? { hosts: [], payees: [] };
    if (!hostAllowed(policy, url)) {
      return refuse(
        "vendor_not_allowed",
        `host ${url.host} is not on agent ${req.agentId}'s vendor allowlist (${policy.hosts.join(", ")})`,
        { vendorPolicy: { host: url.host, allowedHosts: policy.hosts } },
      );
    }

    // Where the request would go, before the ledger is read or anything is recorded or signed.
    // The connection itself checks again (and pins the address), so this is the early answer,
    // not the only guard.
    const refusedDestination = await checkDestination(url, destinations);
    if (refusedDestination) {
      return {
        ok: false,
        code: "destination_not_allowed",
        message: refusedDestination.message,
        transactionId: null,
        vendor,
        latencyMs: elapsed(),
        replayed: false,
      };
    }

    // The same key returns the first result without contacting the vendor again.
    const prior = await existing(req.agentId, req.idempotencyKey);
    if (prior) return replayRow(prior);

    const headers = new Headers(req.headers ?? {});
    for (const h of ["payment-signature", "x-payment"]) headers.delete(h);
    const init: RequestInit = {
      method,
      headers,
      body: method === "GET" || method === "HEAD" ? undefined : req.body,
    };
    const counter = { retries: 0 };

    // 1. The unpaid request; network errors and 5xx are retried (nothing is at stake yet).
    let first: Response;
    try {
      first = await send(url.toString(), init, (r) => r.status >= 500, counter);
    } catch (error) {
      const refused = destinationRefusal(error);
      if (refused) return fail(null, "destination_not_allowed", refused.message);
      return fail(null, "network_error", `vendor unreachable: ${(error as Error).message}`);
    }
    if (first.status !== 402) {
      try {
        const response = await readResponse(first, maxResponseBytes);
        return { ok: true, paid: false, response, latencyMs: elapsed(), vendor };
      } catch (error) {
        if (!(error instanceof ResponseBodyError)) throw error;
        return fail(null, error.code, error.message);
      }
    }

    // 2. Decode and check the requirements before anything is reserved or signed.
    const rejected = (reason: string) => refuse("payment_requirements_rejected", reason);
    const header = first.headers.get("payment-required");
    await discard(first);
    if (!header) return rejected("the 402 answer has no PAYMENT-REQUIRED header");
    let required: PaymentRequired;
    try {
      required = decodePaymentRequiredHeader(header);
    } catch (error) {
      return rejected(`PAYMENT-REQUIRED is not valid base64 JSON (${(error as Error).message})`);
    }
    const requirementsPolicy: RequirementsPolicy = {
      network: config.network,
      usdcAddress: config.usdcAddress,
      usdcName: config.usdcName,
      usdcVersion: config.usdcVersion,
      maxPriceMicro: req.maxPriceMicro,
      maxTimeoutSeconds: config.maxTimeoutSeconds,
      payerAddress: account.address,
    };
    const selected = selectRequirements(required, requirementsPolicy);
    if (!selected.ok) return rejected(selected.reason);
    const requirements = selected.requirements;
    const payee = requirements.payTo;
    if (!payeeAllowed(policy, payee)) {
      return refuse(
        "vendor_not_allowed",
        `payee ${payee} is not on agent ${req.agentId}'s payee allowlist (${policy.payees.join(", ")})`,
        {
          amountMicro: selected.amountMicro,
          payee,
          vendorPolicy: { payee, allowedPayees: policy.payees },
        },
      );
    }

    // 3. Reserve the exact amount (every budget check, atomically).
    const reservation = await engine.reserve(req.agentId, selected.amountMicro, req.idempotencyKey, {
      ...details,
      payee,
    });
    if (!reservation.ok) {
      if (reservation.replayed) {
        const row = await existing(req.agentId, req.idempotencyKey);
        if (row) return replayRow(row);
      }
      return {
        ok: false,
        code: reservation.code,
        message: reservation.message,
        transactionId: reservation.transactionId,
        vendor,
        latencyMs: elapsed(),
        replayed: reservation.replayed,
        figures: {
          limitMicro: reservation.limitMicro,
          usedMicro: reservation.usedMicro,
          remainingMicro: reservation.remainingMicro,
          requestedMicro: reservation.requestedMicro,
        },
      };
    }
    if (reservation.replayed) {
      const row = await existing(req.agentId, req.idempotencyKey);
      if (row) return replayRow(row);
    }
    const id = reservation.transactionId;
    const release = async (code: PayFailureCode, message: string, response?: VendorResponse) => {
      await engine.release(id, code, message, {
        retryCount: counter.retries,
        latencyMs: elapsed(),
        metadata: response ? { response: { status: response.status } } : {},
      });
      return fail(id, code, message, { response });
    };

    // 4. Sign exactly the approved requirements; extensions are not passed on (they could ask
    //    for approvals or permits beyond this one transfer).
    let payload: PaymentPayload;
    try {
      payload = await clientFor(requirements).createPaymentPayload({
        x402Version: 2,
        resource: required.resource,
        accepts: [requirements],
      });
    } catch (error) {
      return release("signing_failed", `could not sign: ${(error as Error).message}`);
    }
    const authorization = (payload.payload as { authorization?: Record<string, string> }).authorization;
    const nonce = authorization?.nonce as Hex | undefined;
    if (!authorization || !nonce || !/^0x[0-9a-fA-F]{64}$/.test(nonce)) {
      // Not an EIP-3009 authorization we can track on chain: it never leaves this process.
      return release(
        "signing_failed",
        "the signed payload carries no EIP-3009 authorization nonce; nothing was sent",
      );
    }
    const validBefore = new Date(Number(authorization.validBefore ?? "0") * 1000);
    // Recorded before the signed request leaves, so a crash after sending can be resolved
    // from the chain. If the row is no longer pending (a resolver closed it), nothing is sent.
    const recorded = await engine.recordAuthorization(id, {
      nonce,
      validAfter: new Date(Number(authorization.validAfter ?? "0") * 1000),
      validBefore,
      payer: account.address,
      payee,
    });
    if (!recorded) {
      return fail(
        id,
        "reservation_closed",
        "the reservation was closed before the signed request left; nothing was sent",
      );
    }

    // 5. Send the signed request. Failures resend this same payload; nothing is signed again.
    const paidHeaders = new Headers(headers);
    paidHeaders.set("PAYMENT-SIGNATURE", encodePaymentSignatureHeader(payload));
    let paid: Response | null = null;
    let sendError: string | null = null;
    try {
      paid = await send(url.toString(), { ...init, headers: paidHeaders }, () => false, counter);
    } catch (error) {
      sendError = (error as Error).message;
    }

    let response: VendorResponse | undefined;
    let bodyError: ResponseBodyError | null = null;
    if (paid) {
      try {
        response = await readResponse(paid, maxResponseBytes);
      } catch (error) {
        if (!(error instanceof ResponseBodyError)) throw error;
        bodyError = error;
      }
    }
    let settle: SettleResponse | null = null;
    const settleHeader = paid?.headers.get("payment-response");
    if (settleHeader) {
      try {
        settle = decodePaymentResponseHeader(settleHeader);
      } catch {
        settle = null;
      }
    }
    /** A finish the engine refused (a resolver got there first): answer with the row as it is. */
    const current = async () => {
      const row = await readRow({ id });
      return row ? replay(row) : fail(id, "settlement_unknown", `transaction ${id} disappeared`);
    };

    if (paid && paid.status < 400 && settle?.success) {
      const amount =
        settle.amount && /^\d+$/.test(settle.amount) ? BigInt(settle.amount) : selected.amountMicro;
      const committed = await engine.commit(
        id,
        amount <= selected.amountMicro ? amount : selected.amountMicro,
        settle.transaction ?? null,
        {
          retryCount: counter.retries,
          latencyMs: elapsed(),
          metadata: bodyError ? { response: { status: paid.status, error: bodyError.code } } : { response },
        },
      );
      if (!committed.ok) return current();
      if (bodyError) {
        // The money moved: the ledger says completed, and the answer says why there is no body.
        return {
          ok: false,
          code: bodyError.code,
          message: `paid (${formatUsd(committed.amountMicro)}) but ${bodyError.message}`,
          transactionId: id,
          vendor,
          latencyMs: elapsed(),
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
        latencyMs: elapsed(),
        response: response ?? null,
        replayed: false,
      };
    }

    // 6. Not settled as far as the vendor says. The vendor holds a valid signature, so its word
    //    proves nothing: the chain decides. Used → captured with the chain's figures. Unused →
    //    the row stays `authorized` and the reservation holds until the resolver proves the
    //    authorization dead (expired or cancelled on chain) or finds it used.
    let cause: PayFailureCode = "vendor_error";
    let reason = `vendor answered ${paid?.status}; the vendor did not confirm a settlement`;
    if (!paid) {
      cause = "network_error";
      reason = `vendor unreachable after payment was signed: ${sendError}`;
    } else if (bodyError) {
      cause = bodyError.code;
      reason = bodyError.message;
    } else if (paid.status === 402) {
      let why = "";
      try {
        why = decodePaymentRequiredHeader(paid.headers.get("payment-required") ?? "").error ?? "";
      } catch {
        why = "";
      }
      cause = "settlement_failed";
      reason = `the vendor did not accept the payment${why ? `: ${why}` : ""}; nothing will be signed again for this request`;
    } else if (settle && !settle.success) {
      cause = "settlement_failed";
      reason = `settlement failed: ${settle.errorReason ?? settle.errorMessage ?? "unknown"}`;
    }
    const finish = {
      retryCount: counter.retries,
      latencyMs: elapsed(),
      metadata: paid ? { response: { status: paid.status } } : {},
    };
    const base = { vendor, latencyMs: elapsed(), replayed: false, response };
    try {
      const outcome = await readAuthorizationOutcome(
        deps.publicClient,
        config.usdcAddress,
        account.address,
        nonce,
        () => blockAtOrBefore(deps.publicClient, new Date(Date.now() - 120_000)),
      );
      if (outcome.state === "used") {
        const t = outcome.transfer;
        const committed = await engine.commit(id, t.amountMicro, t.txHash, {
          ...finish,
          payee: t.to,
          blockNumber: t.blockNumber,
          completedAt: outcome.blockTime,
          metadata: { ...finish.metadata, note: "settled on chain although the vendor did not confirm it" },
        });
        if (!committed.ok) return current();
        return {
          ok: false,
          code: cause,
          message: `paid on chain (tx ${t.txHash}, ${formatUsd(t.amountMicro)}) but: ${reason}`,
          transactionId: id,
          ...base,
          settlement: { status: "completed", cause, txHash: t.txHash, priceMicro: t.amountMicro },
        };
      }
    } catch {
      // The chain did not answer: the outcome is unknown, and the reservation holds all the same.
    }
    await deps.db.$client`
      UPDATE transactions SET error_code = ${cause}, error_message = ${reason}, retry_count = ${counter.retries},
        latency_ms = ${elapsed()}, metadata = metadata || ${JSON.stringify(finish.metadata)}::jsonb, updated_at = now()
      WHERE id = ${id} AND status = 'authorized'`;
    const row = await readRow({ id });
    if (row?.status !== "authorized") return current();
    return heldOutcome(
      row,
      cause,
      `${reason}. The signed authorization is unused on chain so far but still valid until ${row.valid_before}: ${formatUsd(row.amount_micro)} stays reserved until it expires or is cancelled (x402 settle --id ${id} --cancel)`,
      base,
    );
  }

  return { payForService, address: account.address as Address };
}

export type Payer = ReturnType<typeof createPayer>;
