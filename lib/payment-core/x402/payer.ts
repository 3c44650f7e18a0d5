import { decodePaymentRequiredHeader, encodePaymentSignatureHeader } from "@x402/core/http";
import type { PaymentRequired } from "@x402/core/types";
import { Headers, type RequestInit, type Response } from "undici";
import type { Address } from "viem";
import { hostAllowed, payeeAllowed } from "../agents/vendor-policy";
import type { ReserveResult } from "../budgets/engine";
import { permit2AllowanceShortfall } from "../chain/permit2";
import { createPaymentEventSink } from "../ledger/events";
import { createResponseStore } from "../ledger/responses";
import type { PaymentApproval } from "../payment-approvals/store";
import { recordPaidReceipt } from "../receipts/store";
import { silentLog } from "../support/log";
import type { Micro } from "../support/money";
import { type RotatingFigures, rotatingFromError } from "../treasury/rotation-gate";
import { createVendorCatalogHook } from "../vendors/payer-hook";
import { createApprovalGate } from "./approval-gate";
import { type AttemptTrace, loggedAttempts } from "./attempt-log";
import { destinationRefusal, guardedAgent } from "./destination";
import {
  type LedgerRow,
  type PayFailureCode,
  type PayOutcome,
  type PayRequest,
  readLedgerRow,
  refusalOutcome,
  rowOutcome,
  type VendorPayToFigures,
  type VendorPolicyFigures,
  type VendorResponse,
} from "./outcome";
import type { PayerDeps } from "./payer-config";
import { paymentIdentifier } from "./payment-identifier";
import { type RequirementsPolicy, selectRequirements } from "./policy";
import { readPaymentPreRead } from "./pre-read";
import { createReplay } from "./replay";
import { settlePaid } from "./settle-paid";
import { createSigner } from "./sign";
import {
  createSender,
  DEFAULT_MAX_RESPONSE_BYTES,
  discard,
  ResponseBodyError,
  readPaidAnswer,
  readResponse,
  targetOf,
} from "./vendor-http";

export type {
  PayFailureCode,
  PayOutcome,
  PayRequest,
  VendorPayToFigures,
  VendorPolicyFigures,
  VendorResponse,
} from "./outcome";

/**
 * `payForService`: an agent's purchase of one HTTP resource over x402, guarded by the budget
 * engine. The order is the safety argument:
 *   request → 402 → check the requirements against policy → reserve the exact amount →
 *   sign (official @x402 client) → record the authorization → send → commit or release.
 * Nothing is signed unless the reservation succeeded, and one purchase signs at most one
 * authorization: a failed send is retried with the same signed payload, never a new one.
 * The steps' parts: vendor-http.ts (send, retry, bounded reads), sign.ts, settle-paid.ts.
 */

export type { PayerConfig, PayerDeps } from "./payer-config";

export function createPayer(deps: PayerDeps) {
  const maxResponseBytes = deps.config.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const destinations = {
    allowedPrivateHosts: deps.config.allowedPrivateHosts,
    selfHosts: deps.config.selfHosts ?? [],
  };
  // Every connection, on every attempt, is checked and pinned to the address that was checked.
  const { config, engine, account } = deps;
  const send = createSender({
    fetch: deps.fetch,
    dispatcher: guardedAgent(destinations),
    timeoutMs: config.vendorTimeoutMs,
    maxRetries: config.maxRetries,
    retryBaseMs: config.retryBaseMs,
    sleep: deps.sleep,
  });

  const sign = createSigner({ account, network: config.network, usdcAddress: config.usdcAddress });

  // The vendor's answers, kept off the payment's path (ledger/responses.ts); a read of a row waits
  // for its answer still being written by this process, so a replay of the key answers it.
  const responses = deps.responses ?? createResponseStore(deps.db, { log: deps.log });
  const readRow = async (id: string) => {
    await responses.written(id);
    return readLedgerRow(deps.db, { id });
  };
  const gate = createApprovalGate({ db: deps.db, engine, config: config.approvals });

  const { existing, resolveFromChain } = createReplay(deps, readRow);
  // The vendor catalog: payTo pinning on the path, every 402 recorded off it (vendors/payer-hook.ts).
  const catalog =
    deps.catalog ??
    createVendorCatalogHook({
      db: deps.db,
      network: config.network,
      usdcAddress: config.usdcAddress,
      log: deps.log,
    });

  async function attempt(req: PayRequest, trace: AttemptTrace): Promise<PayOutcome> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    const { url, method, vendor, fingerprint } = targetOf(req);
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
      return rowOutcome(row);
    };
    const owner = deps.owner ? await deps.owner() : null;
    const details = {
      vendor,
      resourceUrl: url.toString(),
      method,
      asset: config.usdcAddress,
      network: config.network,
      payer: account.address,
      metadata: { request_fingerprint: fingerprint, ...(owner ? { owner } : {}) } as Record<string, unknown>,
    };
    const fail = async (
      transactionId: string | null,
      code: PayFailureCode,
      message: string,
      extra: {
        response?: VendorResponse;
        vendorPolicy?: VendorPolicyFigures;
        vendorPayTo?: VendorPayToFigures;
      } = {},
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
      code: "payment_requirements_rejected" | "vendor_not_allowed" | "vendor_payto_changed",
      reason: string,
      extra: {
        amountMicro?: Micro;
        payee?: string;
        vendorPolicy?: VendorPolicyFigures;
        vendorPayTo?: VendorPayToFigures;
      } = {},
    ) => {
      const { transactionId, replayed } = await engine.recordRefusal(
        req.agentId,
        req.idempotencyKey,
        { code, message: reason, amountMicro: extra.amountMicro },
        {
          ...details,
          payee: extra.payee,
          metadata: {
            ...details.metadata,
            ...(extra.vendorPolicy ? { vendor_policy: extra.vendorPolicy } : {}),
            ...(extra.vendorPayTo ? { vendor_payto: extra.vendorPayTo } : {}),
          },
        },
      );
      if (replayed) {
        const row = await existing(req.agentId, req.idempotencyKey);
        if (row) return replayRow(row);
      }
      return fail(transactionId, code, reason, {
        ...(extra.vendorPolicy ? { vendorPolicy: extra.vendorPolicy } : {}),
        ...(extra.vendorPayTo ? { vendorPayTo: extra.vendorPayTo } : {}),
      });
    };

    // The operator's allowlist for this agent, read per payment (no cache: a change applies to the
    // next payment), before any request goes out. An unknown agent has none; the engine refuses it.
    // One statement reads it with the idempotency lookup, the approval threshold, the payer's
    // rotation gate and the vendor's pinned payTo (pre-read.ts); the lookup is used below only once
    // the allowlist and the destination have passed.
    /** A payer a rotation is moving away from signs nothing: 503, no ledger row, nothing reserved. */
    const rotatingOutcome = (figures: RotatingFigures): PayOutcome => ({
      ok: false,
      code: "payer_rotating",
      message: `the payer wallet is being rotated (rotation ${figures.rotationId} is ${figures.state}): nothing was reserved or signed; retry in ${figures.retryAfterSeconds} seconds`,
      transactionId: null,
      vendor,
      latencyMs: elapsed(),
      replayed: false,
      rotating: figures,
    });
    // The ledger's trigger refuses the reservation too, so a rotation that starts after this read
    // is still caught.
    const read = await readPaymentPreRead(deps.db, {
      agentId: req.agentId,
      idempotencyKey: req.idempotencyKey,
      payer: account.address,
      host: url.host,
    });
    if (read.rotating) return rotatingOutcome(read.rotating);
    const policy = read.policy ?? { hosts: [], payees: [] };
    const threshold = read.policy ? gate.threshold(req.agentId, read.consoleThresholdMicro) : null;
    const pinnedPayTo = read.pinnedPayTo;
    if (!hostAllowed(policy, url)) {
      return refuse(
        "vendor_not_allowed",
        `host ${url.host} is not on agent ${req.agentId}'s vendor allowlist (${policy.hosts.join(", ")})`,
        { vendorPolicy: { host: url.host, allowedHosts: policy.hosts } },
      );
    }

    // Where the request goes is checked by the connection itself (destination.ts, guardedAgent):
    // every connection, on every attempt, resolves the host once, refuses a private or local
    // address and is made to the address it checked. The unpaid request below is the first to go
    // out, before anything is recorded, reserved or signed, so its refusal is the answer
    // (`destination_not_allowed`, no ledger row); a kept-alive connection was checked when made.

    // The same key returns the first result without contacting the vendor again, unless it is a
    // held payment that was approved since (approval-gate.ts): that one is paid now.
    const prior = await existing(req.agentId, req.idempotencyKey, read.prior);
    let approved: PaymentApproval | undefined;
    if (prior) {
      const replay = replayRow(prior);
      if (replay.ok || replay.code !== "awaiting_approval") return replay;
      const held = await gate.replay(prior, elapsed());
      if (held.kind === "answer") return held.outcome;
      approved = held.approval;
    }

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
    const rejected = (reason: string, askedMicro?: Micro) =>
      refuse("payment_requirements_rejected", reason, { amountMicro: askedMicro });
    const header = first.headers.get("payment-required");
    await discard(first);
    if (!header) return rejected("the 402 answer has no PAYMENT-REQUIRED header");
    let required: PaymentRequired;
    try {
      required = decodePaymentRequiredHeader(header);
    } catch (error) {
      return rejected(`PAYMENT-REQUIRED is not valid base64 JSON (${(error as Error).message})`);
    }
    catalog.observe({ url, method, required, agentId: req.agentId });
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
    if (!selected.ok) return rejected(selected.reason, selected.askedMicro);
    const requirements = selected.requirements;
    trace.amountMicro = selected.amountMicro;
    // `upto`: the row is an `upto` one (scheme and max_amount_micro, set from this on insert);
    // what is reserved below is the maximum, and the chain's settled amount is committed.
    if (requirements.scheme === "upto") {
      details.metadata.scheme = "upto";
      // Permit2 can only pull what the wallet let it (the one-time approval, schemes.md): without
      // it the vendor's facilitator could never settle, and the maximum would sit reserved.
      const missing = await permit2AllowanceShortfall(
        deps.publicClient,
        config.usdcAddress,
        account.address,
        selected.amountMicro,
      );
      if (missing) return rejected(missing, selected.amountMicro);
    }
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
    // A known vendor is paid only at its pinned payTo (the redirect attack); first sight pins it.
    const pin = await catalog.checkPayTo({ host: url.host, payTo: payee, known: pinnedPayTo });
    if (!pin.ok) {
      const vendorPayTo = { host: url.host, knownPayTo: pin.knownPayTo, askedPayTo: payee };
      const out = await refuse(
        "vendor_payto_changed",
        `vendor ${url.host} asks to be paid at ${payee}, not at its known payTo ${pin.knownPayTo}: refused until a person accepts the new address (x402 vendors accept-payto)`,
        { amountMicro: selected.amountMicro, payee, vendorPayTo },
      );
      if (!out.ok && !out.replayed) {
        await catalog.payToRefused({
          ...vendorPayTo,
          agentId: req.agentId,
          resourceUrl: url.toString(),
          transactionId: out.transactionId,
        });
      }
      return out;
    }

    // Above the agent's threshold: reserved and held for a person, nothing signed (202). Approved
    // since: the vendor must ask exactly what was approved.
    if (approved) {
      const changed = await gate.mismatch(approved, selected.amountMicro, payee);
      if (changed) return changed;
    } else if (threshold !== null && selected.amountMicro > threshold) {
      const held = await gate.hold({
        agentId: req.agentId,
        amountMicro: selected.amountMicro,
        thresholdMicro: threshold,
        key: req.idempotencyKey,
        details: { ...details, payee },
        vendor,
        latencyMs: elapsed,
      });
      // The key was used meanwhile (a concurrent call): answered as its row stands.
      if (held === "replayed") return attempt(req, trace);
      return held;
    }

    // 3 and 4. Reserve the exact amount (every budget check, atomically), then sign exactly the
    // approved requirements (sign.ts). The reservation is made inside the signing, once the
    // authorization's nonce and validity are known and before the key signs: its row is written
    // `authorized` with them in the reservation's own commit, so nothing is signed unreserved and
    // the signature needs no commit of its own before it leaves. A refusal aborts the signing.
    let reservation: ReserveResult | undefined;
    let gated: RotatingFigures | null = null;
    const identified = paymentIdentifier(required, req.agentId, req.idempotencyKey);
    details.metadata.payment_identifier = identified.record;
    let unclaimed: "payments_disabled" | "agent_paused" | "not_approved" | undefined;
    const signed = await sign(requirements, identified.required, async (auth) => {
      if (auth.valueMicro !== selected.amountMicro || auth.to.toLowerCase() !== payee.toLowerCase()) {
        throw new Error("the authorization differs from the approved requirements");
      }
      const authorization = { nonce: auth.nonce, validAfter: auth.validAfter, validBefore: auth.validBefore };
      if (approved) {
        // The approved hold, claimed in place of a reservation: the row becomes `authorized`.
        const c = await gate.claim(approved, {
          payer: account.address,
          authorization,
          metadata: details.metadata,
        });
        if (!c.ok) {
          if (c.code === "payer_rotating") gated = c.rotating;
          else unclaimed = c.code;
          throw new Error("not claimed: nothing is signed");
        }
        const { transactionId, agentId, amountMicro } = approved;
        reservation = {
          ok: true,
          transactionId,
          agentId,
          amountMicro,
          status: "authorized",
          replayed: false,
        };
        return;
      }
      try {
        reservation = await engine.reserve(req.agentId, selected.amountMicro, req.idempotencyKey, {
          ...details,
          payee,
          authorization,
        });
      } catch (error) {
        // The ledger refused the reservation whole (rotation-gate.ts): nothing written, nothing signed.
        gated = rotatingFromError(error);
        throw error;
      }
      if (!reservation.ok || reservation.replayed) throw new Error("not reserved: nothing is signed");
    });
    if (gated) return rotatingOutcome(gated);
    if (approved && unclaimed) return gate.refusedClaim(approved, unclaimed);
    if (!reservation) {
      // The client failed before it asked for a signature: nothing reserved, nothing signed.
      return fail(null, "signing_failed", signed.ok ? "the client signed nothing" : signed.message);
    }
    const reserved: ReserveResult = reservation;
    if (!reserved.ok && !reserved.replayed) return refusalOutcome(reserved, vendor, elapsed());
    if (reserved.replayed) {
      const row = await existing(req.agentId, req.idempotencyKey);
      if (row) return replayRow(row);
    }
    const id = reserved.transactionId;
    const release = async (code: PayFailureCode, message: string, response?: VendorResponse) => {
      await engine.release(id, code, message, {
        retryCount: counter.retries,
        latencyMs: elapsed(),
        metadata: response ? { response: { status: response.status } } : {},
      });
      return fail(id, code, message, { response });
    };
    // Reserved, but the key did not sign (or the payload was not a trackable authorization):
    // no signature exists outside this process, so the reservation is freed.
    if (!signed.ok) return release("signing_failed", signed.message);

    // 5. Send the signed request. Failures resend this same payload; nothing is signed again.
    const paidHeaders = new Headers(headers);
    paidHeaders.set("PAYMENT-SIGNATURE", encodePaymentSignatureHeader(signed.payload));
    let paid: Response | null = null;
    let sendError: string | null = null;
    try {
      paid = await send(url.toString(), { ...init, headers: paidHeaders }, () => false, counter);
    } catch (error) {
      sendError = (error as Error).message;
    }

    // 6. Commit on the vendor's confirmation; otherwise the chain decides (settle-paid.ts).
    const answer = { paid, sendError, ...(await readPaidAnswer(paid, maxResponseBytes)) };
    const outcome = await settlePaid(
      {
        engine,
        id,
        vendor,
        reservedMicro: selected.amountMicro,
        scheme: requirements.scheme,
        keepResponse: responses.keep,
        retries: () => counter.retries,
        elapsed,
        readRow,
        resolveFromChain,
      },
      answer,
    );
    // 7. The vendor's signed receipt, if any: checked and stored with the row, never failing it.
    const paidFor = { id, required, requirements, payee, url, payer: account.address };
    await recordPaidReceipt({ db: deps.db, log: deps.log ?? silentLog }, outcome, answer.settle, paidFor);
    return outcome;
  }

  const events = deps.events ?? createPaymentEventSink(deps.db, { log: deps.log });
  const payForService = loggedAttempts(deps.log ?? silentLog, attempt, events);
  return { payForService, address: account.address as Address, events, responses };
}

export type Payer = ReturnType<typeof createPayer>;
