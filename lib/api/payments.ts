import { isUtf8 } from "node:buffer";
import { createHash } from "node:crypto";
import { z } from "zod";
import type { Database } from "@/db/client";
import { bearer, secretMatches } from "@/lib/http/bearer";
import { errorBody, errorResponse, HTTP_STATUS, rateLimitedResponse, zodIssues } from "@/lib/http/errors";
import { clientIp } from "@/lib/payment-core/access/rate-limit";
import { type Agent, authenticateAgent } from "@/lib/payment-core/agents/store";
import { LOW_BALANCE_MICRO } from "@/lib/payment-core/metrics/overview";
import { classifyError, type ErrorCode } from "@/lib/payment-core/support/errors";
import { type Micro, parseUsdc, usdc6 } from "@/lib/payment-core/support/money";
import type { PayOutcome } from "@/lib/payment-core/x402/payer";
import type { PaymentService } from "@/lib/payment-core/x402/service";
import { readCapped } from "@/lib/payment-core/x402/vendor-http";
import { checkSafeText, safeText } from "@/lib/safe-text";
import type { EndpointLimits } from "./rate-limits";

/**
 * The agent payment API (`POST /api/v1/payments`), independent of Next so tests drive it with
 * real Requests. Errors are `{ error: { code, message, ...figures } }` (lib/http/errors.ts).
 */

// HTTP carries header names as tokens and values as bytes: an emoji in a value cannot be sent
// (fetch throws), so it is refused here rather than answered with a 500.
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,200}$/;
const headerName = safeText().regex(HEADER_NAME, "must be letters, digits and !#$%&'*+.^_`|~-");
const headerValue = safeText()
  .max(8192)
  .refine(
    (value) => [...value].every((c) => c.charCodeAt(0) <= 0xff),
    "a header value holds Latin-1 characters only",
  );

// Every string is safe text (lib/safe-text.ts): a NUL, another control character or a lone
// surrogate is a 400 naming the field, before anything is stored, reserved or sent. Only the
// forwarded `body` may hold tabs and line breaks.
const body = z
  .object({
    url: safeText().url().max(4096),
    method: z.enum(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"]).optional(),
    headers: z.record(headerName, headerValue).optional(),
    body: safeText(undefined, { allowLineBreaks: true }).max(1_000_000).optional(),
    maxPriceUsdc: z
      .union([z.string(), z.number()])
      .superRefine((value, ctx) => {
        if (typeof value === "string") checkSafeText(value, ctx);
      })
      .optional(),
    idempotencyKey: safeText().min(1).max(200),
    vendor: safeText().min(1).max(200).optional(),
  })
  .strict();

/** The largest request body read: a 1 MB `body` field, JSON-escaped, plus the rest. */
export const MAX_REQUEST_BYTES = 2_200_000;

/**
 * Authenticates a caller under the endpoint's limits, before anything is read or recorded:
 * an address that sent too many missing or wrong keys within the minute is refused whatever
 * key it sends (so keys cannot be guessed quickly), and an authenticated caller is refused
 * past its own per-minute count. The address is only read on the way in and counted on a
 * failure, so a busy caller's good requests never fill it; parallel guesses can pass the
 * read together, which lets at most one burst's worth more through per minute. The address's
 * read and the key's look-up go out together (one round trip of waiting); a blocked address is
 * answered 429 whatever the key was, so running the look-up tells it nothing.
 */
export async function admit<T>(
  request: Request,
  limits: EndpointLimits,
  authenticate: () => Promise<{ caller: T; key: string } | null>,
  unauthorized: () => Response,
): Promise<{ ok: true; caller: T } | { ok: false; response: Response }> {
  const ip = clientIp(request.headers, limits.trustedProxies);
  const [blocked, auth] = await Promise.all([limits.authFailures.check(ip), authenticate()]);
  if (!blocked.ok)
    return {
      ok: false,
      response: rateLimitedResponse(blocked, "with a missing or wrong key from this address"),
    };
  if (!auth) {
    await limits.authFailures.take(ip);
    return { ok: false, response: unauthorized() };
  }
  const counted = await limits.perCaller.take(auth.key);
  if (!counted.ok) return { ok: false, response: rateLimitedResponse(counted, "for this key") };
  return { ok: true, caller: auth.caller };
}

/**
 * An agent's request under an endpoint's limits (`admit`): its bearer key names the agent; a
 * missing or wrong key is 401 `unauthorized` (with `WWW-Authenticate: Bearer`). The payment API,
 * the approval poll and the MCP server all let agents in through here.
 */
export function admitAgent(request: Request, db: Database, limits: EndpointLimits) {
  const key = bearer(request);
  return admit<Agent>(
    request,
    limits,
    async () => {
      const agent = key ? await authenticateAgent(db, key) : null;
      return agent ? { caller: agent, key: agent.id } : null;
    },
    () => {
      const response = key
        ? errorResponse("unauthorized", "the API key is not valid")
        : errorResponse("unauthorized", "send the agent's API key as Authorization: Bearer <key>");
      response.headers.set("WWW-Authenticate", 'Bearer realm="x402"');
      return response;
    },
  );
}

/**
 * Where the money stands when a paid call did not simply succeed: `authorized` (signed, not seen
 * on chain yet, the amount held against the budget until it expires or is cancelled) or
 * `completed` (the chain shows the transfer although the vendor failed).
 */
function settlementJson(s: NonNullable<Extract<PayOutcome, { ok: false }>["settlement"]>) {
  return {
    status: s.status,
    ...(s.cause ? { cause: s.cause } : {}),
    ...(s.heldMicro !== undefined ? { heldUsdc: usdc6(s.heldMicro) } : {}),
    ...(s.validBefore !== undefined ? { validBefore: s.validBefore } : {}),
    ...(s.txHash !== undefined ? { txHash: s.txHash } : {}),
    ...(s.priceMicro !== undefined ? { priceUsdc: usdc6(s.priceMicro) } : {}),
  };
}

/**
 * A purchase's answer as the API gives it: the HTTP status, the JSON body and any headers. The MCP
 * server's `pay_for_resource` (lib/mcp) answers the same body, so both surfaces say the same.
 */
export interface OutcomeJson {
  status: number;
  body: Record<string, unknown>;
  headers: Record<string, string>;
}

export function outcomeJson(outcome: PayOutcome): OutcomeJson {
  if (!outcome.ok && outcome.code === "awaiting_approval" && outcome.approval) {
    // Held for a person: accepted, not paid. Poll `pollUrl`, then retry the same idempotency key.
    const a = outcome.approval;
    return {
      status: 202,
      body: {
        status: "awaiting_approval",
        code: "awaiting_approval",
        message: outcome.message,
        approvalId: a.id,
        approvalStatus: a.status,
        transactionId: outcome.transactionId,
        priceUsdc: usdc6(a.amountMicro),
        expiresAt: a.expiresAt,
        retryAfterSeconds: a.retryAfterSeconds,
        pollUrl: a.pollUrl,
        vendor: outcome.vendor,
        latencyMs: outcome.latencyMs,
        replayed: outcome.replayed,
      },
      // Cache-Control: the route sets it on every answer (handlePayment).
      headers: { "Retry-After": String(a.retryAfterSeconds) },
    };
  }
  if (outcome.ok && !outcome.paid) {
    return ok({
      transactionId: null,
      status: "not_required",
      priceUsdc: "0.000000",
      txHash: null,
      vendor: outcome.vendor,
      latencyMs: outcome.latencyMs,
      response: outcome.response,
    });
  }
  if (outcome.ok) {
    return ok({
      transactionId: outcome.transactionId,
      status: outcome.status,
      priceUsdc: usdc6(outcome.priceMicro),
      txHash: outcome.txHash,
      vendor: outcome.vendor,
      latencyMs: outcome.latencyMs,
      replayed: outcome.replayed,
      response: outcome.response,
    });
  }
  const f = outcome.figures ?? {};
  return {
    status:
      // A replay answers the row's stored code: one an older version or an imported ledger row
      // stored is not in the table, and is a refusal (403) as before.
      HTTP_STATUS[outcome.code] ?? 403,
    body: errorBody(outcome.code, outcome.message, {
      transactionId: outcome.transactionId,
      vendor: outcome.vendor,
      latencyMs: outcome.latencyMs,
      replayed: outcome.replayed,
      ...(f.limitMicro !== undefined ? { limitUsdc: usdc6(f.limitMicro) } : {}),
      ...(f.usedMicro !== undefined ? { usedUsdc: usdc6(f.usedMicro) } : {}),
      ...(f.remainingMicro !== undefined ? { remainingUsdc: usdc6(f.remainingMicro) } : {}),
      ...(f.requestedMicro !== undefined ? { requestedUsdc: usdc6(f.requestedMicro) } : {}),
      // A fleet or vendor cap's refusal: whose cap, and its spent and reserved.
      ...(f.scope !== undefined
        ? {
            capScope: f.scope,
            capVendor: f.vendor ?? null,
            capAgentId: f.capAgentId ?? null,
            spentUsdc: usdc6(f.spentMicro ?? 0n),
            reservedUsdc: usdc6(f.reservedMicro ?? 0n),
          }
        : {}),
      ...(outcome.settlement ? settlementJson(outcome.settlement) : {}),
      // vendor_not_allowed: the host or payee refused and the lists that were in force.
      ...(outcome.vendorPolicy ? { vendorPolicy: outcome.vendorPolicy } : {}),
      // vendor_payto_changed: the vendor, its pinned payTo and the one its 402 asked.
      ...(outcome.vendorPayTo ? { vendorPayTo: outcome.vendorPayTo } : {}),
      ...(outcome.response ? { response: outcome.response } : {}),
      // payer_rotating: which rotation, where it stands, when to try again.
      ...(outcome.rotating
        ? {
            rotationId: outcome.rotating.rotationId,
            state: outcome.rotating.state,
            retryAfterSeconds: outcome.rotating.retryAfterSeconds,
          }
        : {}),
    }),
    headers: outcome.rotating ? { "Retry-After": String(outcome.rotating.retryAfterSeconds) } : {},
  };
}

const ok = (body: Record<string, unknown>): OutcomeJson => ({ status: 200, body, headers: {} });

export async function handlePayment(
  request: Request,
  db: Database,
  service: () => PaymentService,
  limits: EndpointLimits,
): Promise<Response> {
  const started = performance.now();
  const admitted = await admitAgent(request, db, limits);
  if (!admitted.ok) return admitted.response;
  const agent = admitted.caller;
  const admittedMs = performance.now() - started;

  // Refused before the body is read: the JSON holds a URL, headers and at most 1 MB of body.
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (!Number.isFinite(declared) || declared > MAX_REQUEST_BYTES) {
    return errorResponse("request_too_large", `the request body is over ${MAX_REQUEST_BYTES} bytes`);
  }
  // A chunked body declares no length: it is read as a stream and cut at the same limit.
  const bytes = await readCapped(request.body, MAX_REQUEST_BYTES).catch(() => Buffer.alloc(0));
  if (bytes === null) {
    return errorResponse("request_too_large", `the request body is over ${MAX_REQUEST_BYTES} bytes`);
  }
  // Node would turn invalid bytes into U+FFFD silently: a body that is not UTF-8 is refused whole.
  if (!isUtf8(bytes)) {
    return errorResponse(
      "invalid_request",
      "the body must be JSON in UTF-8 (it holds bytes that are not UTF-8)",
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString("utf8"));
  } catch {
    return errorResponse("invalid_request", "the body must be JSON");
  }
  const { status, body: answer, headers } = await payFromJson(json, agent.id, service);
  // Where the handler's time went, for the caller and the benchmark (docs/http-api.md): the key
  // check with the rate limits, and the whole handler (the payment's own is its `latencyMs`).
  const timing = `admit;dur=${admittedMs.toFixed(1)}, handler;dur=${(performance.now() - started).toFixed(1)}`;
  return Response.json(answer, {
    status,
    headers: {
      ...headers,
      "Server-Timing": timing,
      // A payment's answer is for its caller once: never cached, and passed on as it was made (not
      // re-encoded on the way: gzip of every answer cost the console about 0.7 ms of CPU each).
      "Cache-Control": "no-store, no-transform",
    },
  });
}

/** An `invalid_request` (or another code's) error as an OutcomeJson. */
const failed = (code: ErrorCode, message: string, details: Record<string, unknown> = {}): OutcomeJson => ({
  status: HTTP_STATUS[code],
  body: errorBody(code, message, details),
  headers: {},
});

/**
 * A purchase from its JSON request (the API's body; the MCP tool maps its arguments onto it):
 * validated, then paid through the payment service, answered as the API answers it. Nothing is
 * stored, reserved or sent for a request that fails validation.
 */
export async function payFromJson(
  json: unknown,
  agentId: string,
  service: () => PaymentService,
): Promise<OutcomeJson> {
  const parsed = body.safeParse(json);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    // A bad header name is `headers` with the name's own reason: the name itself is not echoed.
    if (first?.code === "invalid_key") {
      const reason = first.issues[0]?.message ?? "not a header name";
      return failed("invalid_request", `headers: a header name ${reason}`, {
        field: "headers",
        issues: [{ path: "headers", message: reason }],
      });
    }
    const { message, issues } = zodIssues(parsed.error, "body");
    // `field` is the first issue's path (`idempotencyKey`, `headers.x-trace`), as the console's
    // filter errors name their parameter.
    return failed("invalid_request", message, { field: issues[0]?.path || "body", issues });
  }
  let maxPriceMicro: bigint | undefined;
  if (parsed.data.maxPriceUsdc !== undefined) {
    try {
      maxPriceMicro = parseUsdc(String(parsed.data.maxPriceUsdc));
    } catch (error) {
      const known = classifyError(error);
      if (known?.kind !== "invalid_input") throw error;
      return failed("invalid_request", `maxPriceUsdc: ${known.message}`);
    }
  }
  const payer = service().payer;
  if (!payer) {
    return failed("payer_not_configured", "set X402_PAYER_PRIVATE_KEY and X402_USDC_ADDRESS to pay");
  }
  try {
    const outcome = await payer.payForService({
      agentId,
      url: parsed.data.url,
      method: parsed.data.method,
      headers: parsed.data.headers,
      body: parsed.data.body,
      maxPriceMicro,
      idempotencyKey: parsed.data.idempotencyKey,
      vendor: parsed.data.vendor,
    });
    return outcomeJson(outcome);
  } catch (error) {
    // Any input error is the API's `invalid_request` (its documented code for a bad body); the rest
    // (no key to sign with: payer_not_configured, payer_retired) is apiRoute's errorToResponse.
    // By kind, not instanceof: the payment service may have been built by another bundle.
    if (classifyError(error)?.kind === "invalid_input") {
      return failed("invalid_request", (error as Error).message);
    }
    throw error;
  }
}

/** The payer wallet's USDC balance, read on chain, as the API answers it. */
export async function walletBalanceResponse(
  service: () => PaymentService,
  lowBalanceMicro: Micro = LOW_BALANCE_MICRO,
): Promise<Response> {
  try {
    const balance = await service().getWalletBalance();
    return Response.json({
      address: balance.address,
      network: balance.network,
      asset: "USDC",
      balanceUsdc: usdc6(balance.balanceMicro),
      lowBalance: balance.balanceMicro < lowBalanceMicro,
    });
  } catch (error) {
    const known = classifyError(error);
    // Not configured (no wallet or USDC address): the service is unavailable, whatever the code.
    if (known?.kind === "operation") return errorResponse(known.code, known.message, {}, 503);
    // viem's full message names the RPC URL, which can carry an API key: only its short form.
    const short = (error as { shortMessage?: string }).shortMessage ?? "the chain did not answer";
    return errorResponse("chain_unavailable", `could not read the balance: ${short}`);
  }
}

/** `GET /api/v1/wallet/balance` with a metrics token (signed-in users are checked by the route). */
export async function handleWalletBalance(
  request: Request,
  metricsToken: string | undefined,
  service: () => PaymentService,
  limits: EndpointLimits,
  /** Below this the answer says `lowBalance: true` (X402_LOW_BALANCE_USDC). */
  lowBalanceMicro: Micro = LOW_BALANCE_MICRO,
): Promise<Response> {
  const token = bearer(request);
  const admitted = await admit(
    request,
    limits,
    async () => {
      // Counted under a digest: the token itself is never stored.
      return token !== null && secretMatches(token, metricsToken)
        ? { caller: null, key: createHash("sha256").update(token).digest("hex").slice(0, 32) }
        : null;
    },
    () => errorResponse("unauthorized", "send the metrics token as Authorization: Bearer <token>"),
  );
  if (!admitted.ok) return admitted.response;
  return walletBalanceResponse(service, lowBalanceMicro);
}
