import type { Command } from "commander";
import { env as appEnv } from "@/lib/env";
import type { ErrorCode } from "@/lib/payment-core/support/errors";
import { type Micro, parseUsdc } from "@/lib/payment-core/support/money";
import { createPaymentService } from "@/lib/payment-core/x402/service";
import { CliFailure, type CommandKit, EXIT, type Io, withDb } from "../context";
import { formatDollars, usdc6, usdcPrice } from "../format";

interface PayOptions {
  api?: string;
  agentKey?: string;
  agent?: string;
  max?: string;
  method: string;
  data?: string;
  header?: string[];
  idempotencyKey?: string;
  vendor?: string;
}

/** What a paid (or free) call printed, the same for both modes. */
interface Paid {
  transaction_id: string | null;
  status: string;
  price_usdc: string;
  tx_hash: string | null;
  vendor: string;
  latency_ms: number;
  replayed?: boolean;
  response: { status?: number };
}

const FIGURES = [
  ["limitUsdc", "limit_usdc", "limit"],
  ["usedUsdc", "used_usdc", "used"],
  ["remainingUsdc", "remaining_usdc", "remaining"],
  ["requestedUsdc", "requested_usdc", "requested"],
] as const;

function headersOf(list: string[] | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const h of list ?? []) {
    const at = h.indexOf(":");
    if (at < 1)
      throw new CliFailure("bad_usage", `--header ${JSON.stringify(h)}: expected name:value`, {}, EXIT.usage);
    headers[h.slice(0, at).trim()] = h.slice(at + 1).trim();
  }
  return headers;
}

/**
 * A refusal: in JSON the error object (run() prints it); for people the code, the message and
 * the figures behind it on stderr. Exit 1 either way.
 */
function refusal(io: Io, json: boolean, code: ErrorCode, message: string, details: Record<string, unknown>) {
  if (json) return new CliFailure(code, message, details, EXIT.failed);
  const figures = FIGURES.flatMap(([, snake, label]) => {
    const v = details[snake];
    return typeof v === "string" ? [`${label} ${formatDollars(parseUsdc(v))}`] : [];
  });
  io.stderr(`x402: refused (${code}): ${message}${figures.length ? `\n  ${figures.join(" · ")}` : ""}\n`);
  return new CliFailure(code, message, details, EXIT.failed, true);
}

/** POST /api/v1/payments of the running console, with the agent's key. */
async function payThroughApi(
  io: Io,
  json: boolean,
  url: string,
  opts: PayOptions,
  api: string,
  key: string,
): Promise<Paid> {
  let endpoint: URL;
  try {
    endpoint = new URL("/api/v1/payments", api);
  } catch {
    throw new CliFailure(
      "bad_usage",
      `--api ${JSON.stringify(api)}: expected the console's URL`,
      {},
      EXIT.usage,
    );
  }
  let res: Response;
  try {
    res = await fetch(endpoint, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({
        url,
        method: opts.method.toUpperCase(),
        headers: headersOf(opts.header),
        ...(opts.data !== undefined ? { body: opts.data } : {}),
        ...(opts.max !== undefined ? { maxPriceUsdc: opts.max } : {}),
        idempotencyKey: opts.idempotencyKey ?? `cli-${crypto.randomUUID()}`,
        ...(opts.vendor ? { vendor: opts.vendor } : {}),
      }),
      redirect: "error",
      signal: AbortSignal.timeout(180_000),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
    throw new CliFailure("api_unreachable", `could not reach the console at ${endpoint.origin} (${cause})`, {
      api: endpoint.origin,
    });
  }
  const body = (await res.json().catch(() => null)) as Record<string, unknown> | null;
  if (!body) {
    throw new CliFailure("api_error", `the console answered HTTP ${res.status} without JSON`, {
      http_status: res.status,
    });
  }
  const error = body.error as (Record<string, unknown> & { code?: string; message?: string }) | undefined;
  if (res.status === 202 && body.code === "awaiting_approval") {
    // Held for a person's approval: not paid (exit 1); run the same command with the same
    // --idempotency-key once it is approved.
    throw refusal(io, json, "awaiting_approval", String(body.message ?? "held for approval"), {
      http_status: res.status,
      transaction_id: body.transactionId,
      approval_id: body.approvalId,
      expires_at: body.expiresAt,
      retry_after_seconds: body.retryAfterSeconds,
      poll_url: body.pollUrl,
    });
  }
  if (!res.ok || error) {
    // The console's code as it answered: a newer console may send one this CLI does not list (every
    // CliFailure below names its exit code, so an unlisted code still exits 1).
    const code = (error?.code ?? "api_error") as ErrorCode;
    const details: Record<string, unknown> = { http_status: res.status };
    if (error?.transactionId !== undefined) details.transaction_id = error.transactionId;
    for (const [camel, snake] of FIGURES)
      if (typeof error?.[camel] === "string") details[snake] = error[camel];
    for (const extra of [
      "status",
      "cause",
      "heldUsdc",
      "txHash",
      "vendorPolicy",
      "vendorPayTo",
      "issues",
    ] as const)
      if (error?.[extra] !== undefined)
        details[extra.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)] = error[extra];
    const message = error?.message ?? `the console answered HTTP ${res.status}`;
    if (code === "invalid_request") throw new CliFailure(code, message, details, EXIT.usage);
    throw refusal(io, json, code, message, details);
  }
  return {
    transaction_id: (body.transactionId as string | null) ?? null,
    status: String(body.status),
    price_usdc: String(body.priceUsdc),
    tx_hash: (body.txHash as string | null) ?? null,
    vendor: String(body.vendor),
    latency_ms: Number(body.latencyMs),
    ...(body.replayed !== undefined ? { replayed: Boolean(body.replayed) } : {}),
    response: (body.response ?? {}) as Paid["response"],
  };
}

/**
 * Signs in this process (the payer's key in this shell), under the limits and kill switch the
 * console records (the stricter kill switch of the two): for scripts on the payer's host.
 */
async function payDirect(io: Io, json: boolean, url: string, opts: PayOptions, agent: string): Promise<Paid> {
  const maxPriceMicro: Micro | undefined = opts.max === undefined ? undefined : parseUsdc(opts.max);
  const headers = headersOf(opts.header);
  return withDb(async ({ db, env, enforced }) => {
    // env.budget is the console's (withDb); this shell's X402_PAYMENTS_DISABLED=true also stops it.
    const shellStops = (enforced?.differences ?? []).some(
      (d) => d.variable === "X402_PAYMENTS_DISABLED" && d.local === "true",
    );
    const config = {
      ...env,
      budget: { ...env.budget, paymentsDisabled: env.budget.paymentsDisabled || shellStops },
    };
    const service = createPaymentService(db, config);
    if (!service.payer) {
      throw new CliFailure(
        "payer_not_configured",
        "set X402_PAYER_PRIVATE_KEY and X402_USDC_ADDRESS to sign here, or pay through the console with --api and --agent-key",
        {},
        EXIT.usage,
      );
    }
    const outcome = await service.payer.payForService({
      agentId: agent,
      url,
      method: opts.method,
      headers,
      body: opts.data,
      maxPriceMicro,
      idempotencyKey: opts.idempotencyKey ?? `cli-${crypto.randomUUID()}`,
      vendor: opts.vendor,
    });
    // The attempt's stored log line (payment_events) and the vendor's answer (transaction_responses)
    // are buffered: written before the database closes.
    await Promise.all([service.events.flush(), service.responses.flush()]);
    if (!outcome.ok) {
      const f = outcome.figures ?? {};
      const details: Record<string, unknown> = { transaction_id: outcome.transactionId };
      if (f.limitMicro !== undefined) details.limit_usdc = usdc6(f.limitMicro);
      if (f.usedMicro !== undefined) details.used_usdc = usdc6(f.usedMicro);
      if (f.remainingMicro !== undefined) details.remaining_usdc = usdc6(f.remainingMicro);
      if (f.requestedMicro !== undefined) details.requested_usdc = usdc6(f.requestedMicro);
      if (outcome.approval) {
        details.approval_id = outcome.approval.id;
        details.expires_at = outcome.approval.expiresAt;
        details.retry_after_seconds = outcome.approval.retryAfterSeconds;
      }
      throw refusal(io, json, outcome.code, outcome.message, details);
    }
    return outcome.paid
      ? {
          transaction_id: outcome.transactionId,
          status: outcome.status,
          price_usdc: usdc6(outcome.priceMicro),
          tx_hash: outcome.txHash,
          vendor: outcome.vendor,
          latency_ms: outcome.latencyMs,
          replayed: outcome.replayed,
          response: outcome.response ?? {},
        }
      : {
          transaction_id: null,
          status: "not_required",
          price_usdc: usdc6(0n),
          tx_hash: null,
          vendor: outcome.vendor,
          latency_ms: outcome.latencyMs,
          response: outcome.response,
        };
  });
}

/** `x402 pay <url>`: through the running console's payment API (default), or signed here (--agent). */
export function registerPay(program: Command, { sub, print, io }: CommandKit & { io: Io }): void {
  sub(program, "pay")
    .description(
      "buy an HTTP resource over x402 as an agent, through the running console's payment API (its budget guard)",
    )
    .argument("<url>", "the resource")
    .option("--api <url>", "the console's URL (default: X402_API_URL)")
    .option("--agent-key <key>", "the paying agent's API key; it names the agent (default: X402_AGENT_KEY)")
    .option("--agent <id>", "sign in this process instead (needs X402_PAYER_PRIVATE_KEY, X402_USDC_ADDRESS)")
    .option("--max <usdc>", "refuse if the vendor asks more than this (USDC)")
    .option("--method <method>", "HTTP method", "GET")
    .option("--data <body>", "request body")
    .option("--header <name:value...>", "request header (repeatable)")
    .option("--idempotency-key <key>", "the same key never pays twice (default: a new random key)")
    .option("--vendor <label>", "ledger label for the vendor (default: the URL's host)")
    .action(async (url: string, opts: PayOptions, cmd: Command) => {
      const json = Boolean(cmd.optsWithGlobals().json);
      // A bad amount is bad usage before anything is sent.
      if (opts.max !== undefined) parseUsdc(opts.max);
      const config = appEnv();
      const api = opts.api ?? config.cli.apiUrl;
      const key = opts.agentKey ?? config.cli.agentKey;
      let paid: Paid;
      if (opts.agent && !opts.api && !opts.agentKey) {
        paid = await payDirect(io, json, url, opts, opts.agent);
      } else if (api && key) {
        paid = await payThroughApi(io, json, url, opts, api, key);
      } else {
        throw new CliFailure(
          "api_not_configured",
          `pay through the running console: give ${api ? "" : "--api <url> (or X402_API_URL) "}${
            api || key ? "" : "and "
          }${key ? "" : "--agent-key <key> (or X402_AGENT_KEY)"}; \`npm run demo\` prints both`.replace(
            /\s+;/,
            ";",
          ),
          { missing: [...(api ? [] : ["X402_API_URL"]), ...(key ? [] : ["X402_AGENT_KEY"])] },
          EXIT.usage,
        );
      }
      print(cmd, paid, () =>
        paid.transaction_id
          ? `Paid $${usdcPrice(parseUsdc(paid.price_usdc))} to ${paid.vendor} (${paid.transaction_id}, tx ${paid.tx_hash}) in ${paid.latency_ms} ms; vendor answered ${paid.response.status}.\n`
          : `No payment required; vendor answered ${paid.response.status}.\n`,
      );
    });
}
