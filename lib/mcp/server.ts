import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import type { Database } from "@/db/client";
import { type OutcomeJson, payFromJson } from "@/lib/api/payments";
import { getVendorPolicy } from "@/lib/payment-core/agents/vendor-policy";
import { type Cap, type CapWindow, listCaps } from "@/lib/payment-core/budgets/caps";
import type { BudgetConfig } from "@/lib/payment-core/budgets/config";
import { getUsage, type WindowUsage } from "@/lib/payment-core/budgets/usage";
import { lastPricesPaid } from "@/lib/payment-core/ledger/last-prices";
import { getTransaction } from "@/lib/payment-core/ledger/read";
import { getKillSwitch } from "@/lib/payment-core/runtime/kill-switch";
import { classifyError } from "@/lib/payment-core/support/errors";
import { usdc6 } from "@/lib/payment-core/support/money";
import { catalogForAgent } from "@/lib/payment-core/vendors/agent-catalog";
import type { PaymentService } from "@/lib/payment-core/x402/service";

/**
 * The MCP server an agent pays through: four tools over the same payment path as
 * `POST /api/v1/payments` (destination policy, vendor allowlist, 402 checks, budgets, kill switch,
 * ledger, settlement). One server per authenticated agent: the HTTP route builds one per request,
 * `x402 mcp` one per process. A refusal is a tool result with `isError` and the API's error
 * object (its code and figures), never a protocol error, so the model reads why.
 */

export interface McpDeps {
  db: Database;
  service: () => PaymentService;
  /** The budget configuration as enforced (lib/env.ts; the CLI's is the console's). */
  budget: () => BudgetConfig;
  /** The agent the API key named. */
  agent: { id: string; name: string };
}

export const MCP_SERVER_NAME = "x402-ops-console";

/** The most of a vendor's body a tool result carries; past it, `truncated` says so. */
export const MCP_MAX_BODY_CHARS = 100_000;

const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"] as const;

const payInput = {
  url: z.string().describe("The resource's URL (http or https), exactly as the vendor serves it."),
  method: z.enum(METHODS).optional().describe("HTTP method; default GET."),
  headers: z
    .record(z.string(), z.string())
    .optional()
    .describe("Request headers to send to the vendor (payment headers are set by the console)."),
  body: z.string().optional().describe("Request body to send (for POST, PUT, PATCH), at most 1 MB."),
  max_price_usdc: z
    .string()
    .optional()
    .describe('Refuse if the vendor asks more than this, in USDC as a decimal string, e.g. "0.05".'),
  idempotency_key: z
    .string()
    .describe(
      "A key you choose for this purchase (1-200 characters). The same key never pays twice: calling again with it answers the first result, and after a held payment is approved it pays it.",
    ),
  vendor: z.string().optional().describe("A label for the ledger (default: the URL's host)."),
};

/** The text a model reads first, then the JSON (also given as structuredContent). */
function result(summary: string, data: Record<string, unknown>, isError = false): CallToolResult {
  return {
    content: [{ type: "text", text: `${summary}\n\n${JSON.stringify(data, null, 2)}` }],
    structuredContent: data,
    ...(isError ? { isError: true } : {}),
  };
}

/** A refusal or failure: the code, the message and the figures behind it. */
function refusal(error: Record<string, unknown>): CallToolResult {
  return result(`Refused (${String(error.code)}): ${String(error.message)}`, { error }, true);
}

/** The vendor's answer as a model can use it: status, content type, body (capped) as text or base64. */
function vendorAnswer(response: unknown): Record<string, unknown> | null {
  if (!response || typeof response !== "object") return null;
  const r = response as {
    status?: number;
    headers?: Record<string, string>;
    body?: unknown;
    encoding?: string;
  };
  const base64 = r.encoding === "base64";
  const text = typeof r.body === "string" ? r.body : JSON.stringify(r.body ?? null);
  const truncated = text.length > MCP_MAX_BODY_CHARS;
  const capped = truncated ? text.slice(0, MCP_MAX_BODY_CHARS) : text;
  return {
    status: r.status ?? null,
    contentType: r.headers?.["content-type"] ?? null,
    ...(base64
      ? { bodyBase64: capped }
      : { body: truncated || typeof r.body === "string" ? capped : r.body }),
    ...(truncated ? { truncated: true, bodyChars: text.length } : {}),
  };
}

/** The API's answer to a purchase, as a tool result. */
export function payResult(answer: OutcomeJson): CallToolResult {
  const body = answer.body;
  if ("error" in body) {
    const error = { ...(body.error as Record<string, unknown>) };
    if (error.response) error.response = vendorAnswer(error.response);
    return refusal(error);
  }
  if (answer.status === 202) {
    const retry = body.retryAfterSeconds ?? answer.headers["Retry-After"];
    return result(
      `This payment awaits a person's approval (approval ${String(body.approvalId)}): nothing was signed, and ${String(body.priceUsdc)} USDC is held against the budget until ${String(body.expiresAt)}. Call pay_for_resource again with the same idempotency_key in about ${String(retry)} seconds: once approved it pays (once); if denied or expired the answer says so.`,
      body,
    );
  }
  const response = vendorAnswer(body.response);
  const data = { ...body, response };
  if (body.status === "not_required") {
    return result(`No payment was required; the vendor answered ${String(response?.status)}.`, data);
  }
  return result(
    `Paid ${String(body.priceUsdc)} USDC to ${String(body.vendor)} (transaction ${String(body.transactionId)}, tx ${String(body.txHash)})${body.replayed ? ", answered again for this idempotency key (not paid twice)" : ""}; the vendor answered ${String(response?.status)}.`,
    data,
  );
}

/** A thrown error (no payer configured, the database down) as a tool result with its code. */
function thrown(error: unknown): CallToolResult {
  const known = classifyError(error);
  return refusal({
    code: known?.code ?? "internal_error",
    message: known?.message ?? "the console could not complete the call; see its log",
  });
}

const windowJson = (w: WindowUsage) => ({
  start: w.start,
  spentUsdc: usdc6(w.spentMicro),
  reservedUsdc: usdc6(w.reservedMicro),
  limitUsdc: usdc6(w.limitMicro),
  remainingUsdc: usdc6(w.remainingMicro),
  utilizationPct: w.utilizationPct,
  limitSource: w.source,
});

const capWindowJson = (w: CapWindow | null) =>
  w && {
    spentUsdc: usdc6(w.spentMicro),
    reservedUsdc: usdc6(w.reservedMicro),
    limitUsdc: usdc6(w.limitMicro),
    remainingUsdc: usdc6(w.remainingMicro),
  };

/**
 * The caps a payment of `agentId` is checked against besides its own limits: the fleet's, each
 * vendor's for all agents, and its own at a vendor (never another agent's).
 */
function capsJson(caps: Cap[], agentId: string) {
  return caps
    .filter((c) => c.agentId === null || c.agentId === agentId)
    .map((c) => ({
      scope: c.vendor === null ? "fleet" : c.agentId === null ? "vendor" : "vendor_agent",
      vendor: c.vendor,
      day: capWindowJson(c.daily),
      month: capWindowJson(c.monthly),
    }));
}

export function createMcpServer(deps: McpDeps): McpServer {
  const { db, agent } = deps;
  const server = new McpServer(
    { name: MCP_SERVER_NAME, version: "1.0.0" },
    {
      instructions: `You pay for HTTP resources as agent ${agent.id}, within the budgets the console enforces. Use pay_for_resource to fetch a resource that may ask for an x402 payment; get_budget before a large purchase; get_payment to look up a purchase; list_vendors to see which hosts you may pay.`,
    },
  );

  server.registerTool(
    "pay_for_resource",
    {
      title: "Pay for an HTTP resource",
      description:
        "Fetches a URL and, if the vendor answers 402 Payment Required (x402), pays it in USDC from the fleet's wallet within this agent's budgets, then returns the vendor's answer (status, content type, body as text or base64, capped) and the payment (transaction id, amount, on-chain hash). Refusals (over budget, kill switch on, vendor not allowed, price above max_price_usdc) come back as an error result with a code and the figures behind it. A payment above the agent's approval threshold is held until a person approves it: call again with the same idempotency_key later.",
      inputSchema: payInput,
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
    },
    async (args) => {
      try {
        const answer = await payFromJson(
          {
            url: args.url,
            ...(args.method !== undefined ? { method: args.method } : {}),
            ...(args.headers !== undefined ? { headers: args.headers } : {}),
            ...(args.body !== undefined ? { body: args.body } : {}),
            ...(args.max_price_usdc !== undefined ? { maxPriceUsdc: args.max_price_usdc } : {}),
            idempotencyKey: args.idempotency_key,
            ...(args.vendor !== undefined ? { vendor: args.vendor } : {}),
          },
          agent.id,
          deps.service,
        );
        return payResult(answer);
      } catch (error) {
        return thrown(error);
      }
    },
  );

  server.registerTool(
    "get_budget",
    {
      title: "This agent's budget",
      description:
        "The agent's budget as the console enforces it now: today's and this month's (UTC) spent, reserved, limit and remaining in USDC, the largest single payment allowed, whether payments are stopped (kill switch), and the fleet-wide and per-vendor caps that also apply to this agent (caps: scope fleet, vendor or vendor_agent, each with its day and month).",
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async () => {
      try {
        const config = deps.budget();
        const [usage, killSwitch, caps] = await Promise.all([
          getUsage(db, config, agent.id),
          getKillSwitch(db, config),
          listCaps(db, { now: new Date() }),
        ]);
        const perPayment = usage.perTransactionMax.limitMicro;
        // Bigints: Math.min does not take them.
        // biome-ignore lint/complexity/useMathMinMax: bigint
        const maxMicro = perPayment < usage.hardLimitMicro ? perPayment : usage.hardLimitMicro;
        const data = {
          agentId: agent.id,
          status: usage.status,
          paymentsStopped: killSwitch.enabled,
          day: windowJson(usage.daily),
          month: windowJson(usage.monthly),
          perPaymentMaxUsdc: usdc6(maxMicro),
          caps: capsJson(caps, agent.id),
        };
        const can = killSwitch.enabled
          ? "Payments are stopped (kill switch)."
          : usage.status !== "active"
            ? "This agent is paused."
            : `Up to ${data.day.remainingUsdc} USDC more today and ${data.month.remainingUsdc} this month, at most ${data.perPaymentMaxUsdc} per payment${data.caps.length > 0 ? `; ${data.caps.length} fleet or vendor caps also apply (caps)` : ""}.`;
        return result(can, data);
      } catch (error) {
        return thrown(error);
      }
    },
  );

  server.registerTool(
    "get_payment",
    {
      title: "One payment",
      description:
        "One of this agent's payments by transaction id: its status (completed, authorized, pending, failed, rejected, ...), amount in USDC, on-chain hash and error code.",
      inputSchema: {
        transaction_id: z.string().describe("The transactionId pay_for_resource answered (tx_...)."),
      },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async ({ transaction_id }) => {
      try {
        const row = transaction_id.length <= 100 ? await getTransaction(db, transaction_id) : null;
        // Another agent's payment is answered as missing: an agent sees only its own.
        if (!row || row.agentId !== agent.id) {
          return refusal({
            code: "transaction_not_found",
            message: `no payment ${JSON.stringify(transaction_id.slice(0, 100))} for agent ${agent.id}`,
          });
        }
        const data = {
          transactionId: row.id,
          status: row.status,
          amountUsdc: usdc6(row.amountMicro),
          txHash: row.txHash,
          vendor: row.vendor,
          resourceUrl: row.resourceUrl,
          errorCode: row.errorCode,
          errorMessage: row.errorMessage,
          createdAt: row.createdAt,
          completedAt: row.completedAt,
        };
        return result(`Payment ${row.id} is ${row.status}.`, data);
      } catch (error) {
        return thrown(error);
      }
    },
  );

  server.registerTool(
    "list_vendors",
    {
      title: "Vendors this agent may pay",
      description:
        "The hosts and payee addresses this agent may pay (an empty list means any), the last price it paid per resource (the 100 most recently paid resources among its last 5,000 payments), and the vendor catalog's vendors it may pay (up to 50, most recently seen first) with their resources' scheme and advertised and last asked prices.",
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async () => {
      try {
        const [policy, prices] = await Promise.all([
          getVendorPolicy(db, agent.id),
          lastPricesPaid(db, agent.id),
        ]);
        const catalog = await catalogForAgent(db, policy ?? { hosts: [], payees: [] });
        const data = {
          allowedHosts: policy?.hosts ?? [],
          allowedPayees: policy?.payees ?? [],
          anyHostAllowed: (policy?.hosts ?? []).length === 0,
          lastPricesPaid: prices.map((p) => ({
            resourceUrl: p.resourceUrl,
            vendor: p.vendor,
            lastPriceUsdc: usdc6(p.amountMicro),
            lastPaidAt: p.paidAt,
          })),
          catalog: catalog.map((v) => ({
            host: v.host,
            description: v.description,
            payTo: v.payTo,
            payable: v.payable,
            resources: v.resources.map((r) => ({
              url: r.url,
              method: r.method,
              scheme: r.scheme,
              advertisedPriceUsdc: r.advertisedMicro === null ? null : usdc6(r.advertisedMicro),
              askedPriceUsdc: r.askedMicro === null ? null : usdc6(r.askedMicro),
              description: r.description,
            })),
          })),
        };
        const hosts = data.anyHostAllowed ? "any host" : data.allowedHosts.join(", ");
        return result(
          `This agent may pay ${hosts}; ${prices.length} resources paid recently; ${catalog.length} catalog vendors it may pay.`,
          data,
        );
      } catch (error) {
        return thrown(error);
      }
    },
  );

  return server;
}
