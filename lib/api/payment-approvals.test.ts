import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseEnv } from "@/lib/env";
import { rotateAgentKey } from "@/lib/payment-core/agents/store";
import { decidePaymentApproval } from "@/lib/payment-core/payment-approvals";
import { createPaymentService, type PaymentService } from "@/lib/payment-core/x402/service";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/db";
import { type LocalNetwork, startLocalNetwork } from "@/scripts/localnet";
import { handlePaymentApproval } from "./payment-approvals";
import { handlePayment } from "./payments";
import { type ApiRateLimits, createApiRateLimits } from "./rate-limits";

/**
 * The payment API's side of a payment held for approval: the 202 with Retry-After and the poll
 * URL, the poll route for its own agent only, and the retry that pays once approved. The
 * threshold comes from the environment (X402_RESEARCH_AGENT_APPROVAL_ABOVE_USDC), below the
 * demo vendor's $0.01.
 */

let t: TestDatabase;
let net: LocalNetwork;
let service: PaymentService;
let limits: ApiRateLimits;
let researchKey: string;
let builderKey: string;

beforeAll(async () => {
  [t, net] = await Promise.all([createTestDatabase(), startLocalNetwork()]);
  const env = parseEnv({
    X402_NETWORK: "eip155:31337",
    X402_RPC_URL: net.rpcUrl,
    X402_USDC_ADDRESS: net.usdcAddress,
    X402_PAYER_PRIVATE_KEY: net.payer.privateKey,
    X402_RESEARCH_AGENT_APPROVAL_ABOVE_USDC: "0.005",
    X402_ALLOWED_PRIVATE_HOSTS: new URL(net.vendorUrl).host,
    NEXTAUTH_URL: "https://console.example",
  });
  service = createPaymentService(t.db, env);
  limits = createApiRateLimits(t.db, env.apiRateLimits);
  researchKey = (await rotateAgentKey(t.db, { id: "research_agent", actor: "test" })).apiKey;
  builderKey = (await rotateAgentKey(t.db, { id: "builder_agent", actor: "test" })).apiKey;
});
afterAll(async () => {
  await net?.stop();
  await t?.drop();
});

const post = (idempotencyKey: string, key = researchKey) =>
  handlePayment(
    new Request("http://console/api/v1/payments", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
      body: JSON.stringify({ url: `${net.vendorUrl}/search`, idempotencyKey }),
    }),
    t.db,
    () => service,
    limits.payments,
  );
const poll = (path: string, key: string | null = researchKey, now?: () => Date) =>
  handlePaymentApproval(
    new Request(`http://console${path}`, { headers: key ? { authorization: `Bearer ${key}` } : {} }),
    t.db,
    path.split("/").at(-1) ?? "",
    limits.payments,
    now,
  );

describe("a payment held for approval, over HTTP", () => {
  it("202 with Retry-After and the poll URL; the poll answers its agent and 404s any other", async () => {
    const res = await post("held-1");
    expect(res.status).toBe(202);
    expect(res.headers.get("retry-after")).toBe("30");
    // Held, not paid: never cached (the poll says when it is decided).
    expect(res.headers.get("cache-control")).toBe("no-store, no-transform");
    const body = (await res.json()) as Record<string, string>;
    expect(body).toMatchObject({
      status: "awaiting_approval",
      approvalStatus: "pending",
      priceUsdc: "0.010000",
      retryAfterSeconds: 30,
    });
    expect(body.approvalId).toMatch(/^pa_[0-9a-f]{24}$/);
    expect(body.pollUrl).toBe(`/api/v1/payment-approvals/${body.approvalId}`);

    const mine = await poll(body.pollUrl as string);
    expect(mine.status).toBe(200);
    expect(mine.headers.get("retry-after")).toBe("30");
    expect(await mine.json()).toMatchObject({
      approvalId: body.approvalId,
      status: "pending",
      transactionId: body.transactionId,
      transactionStatus: "awaiting_approval",
      priceUsdc: "0.010000",
      expiresAt: body.expiresAt,
    });

    const other = await poll(body.pollUrl as string, builderKey);
    expect(other.status).toBe(404);
    expect(await other.json()).toMatchObject({ error: { code: "approval_not_found" } });
    expect((await poll("/api/v1/payment-approvals/pa_000000000000000000000000")).status).toBe(404);
    expect((await poll(body.pollUrl as string, null)).status).toBe(401);
  });

  it("approved, the same key pays (200 completed) and the poll says used", async () => {
    const held = (await (await post("held-2")).json()) as Record<string, string>;
    expect(held.status).toBe("awaiting_approval");
    // Before a decision the same key answers the same hold.
    const again = (await (await post("held-2")).json()) as Record<string, string>;
    expect(again.approvalId).toBe(held.approvalId);
    await decidePaymentApproval(t.db, {
      approvalId: held.approvalId as string,
      decision: "approve",
      reason: "budgeted",
      actor: "approver@example.com",
    });
    expect(await (await poll(held.pollUrl as string)).json()).toMatchObject({
      status: "approved",
      reason: "budgeted",
    });
    const paid = await post("held-2");
    expect(paid.status).toBe(200);
    expect(await paid.json()).toMatchObject({ status: "completed", priceUsdc: "0.010000", replayed: false });
    expect(await (await poll(held.pollUrl as string)).json()).toMatchObject({
      status: "used",
      transactionStatus: "completed",
    });
  });

  it("denied: the retry is 403 payment_denied and the poll says denied with the reason", async () => {
    const held = (await (await post("held-3")).json()) as Record<string, string>;
    await decidePaymentApproval(t.db, {
      approvalId: held.approvalId as string,
      decision: "deny",
      reason: "not budgeted",
      actor: "approver@example.com",
    });
    const retry = await post("held-3");
    expect(retry.status).toBe(403);
    expect(await retry.json()).toMatchObject({ error: { code: "payment_denied" } });
    expect(await (await poll(held.pollUrl as string)).json()).toMatchObject({
      status: "denied",
      code: "payment_denied",
      reason: "not budgeted",
    });
  });

  it("a poll after the expiry releases the hold and answers expired; the retry answers approval_expired", async () => {
    const held = (await (await post("held-4")).json()) as Record<string, string>;
    const later = () => new Date(Date.parse(held.expiresAt as string) + 1_000);
    const res = await poll(held.pollUrl as string, researchKey, later);
    expect(res.status).toBe(200);
    expect(res.headers.get("retry-after")).toBeNull();
    expect(await res.json()).toMatchObject({
      status: "expired",
      code: "approval_expired",
      transactionStatus: "failed",
    });
    const retry = await post("held-4");
    expect(retry.status).toBe(403);
    expect(await retry.json()).toMatchObject({ error: { code: "approval_expired" } });
  });
});
