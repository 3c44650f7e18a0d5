import { createHash } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { decodePaymentSignatureHeader } from "@x402/core/http";
import { HTTPFacilitatorClient } from "@x402/core/server";
import type { PaymentPayload } from "@x402/core/types";
import { ExactEvmScheme } from "@x402/evm/exact/server";
import { extractPaymentIdentifier, isValidPaymentId } from "@x402/extensions/payment-identifier";
import { paymentMiddleware, x402ResourceServer } from "@x402/hono";
import { Hono } from "hono";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { serveLocally } from "@/lib/testing/hostile-vendor";
import {
  AGENT,
  balances,
  key,
  net,
  payer,
  setupLocalTestbed,
  signatures,
  t,
} from "@/lib/testing/local-payer";
import { createDemoVendorApp } from "@/scripts/localnet/vendors";
import { addAgent } from "../agents/store";
import { readLedgerRow } from "./outcome";
import { paymentIdentifierStatus } from "./payment-identifier";

/**
 * The x402 payment-identifier extension as a vendor sees it: the demo vendors behind the official
 * Hono middleware (its /search advertises the extension, /code-scan does not), behind a recorder
 * that keeps every PAYMENT-SIGNATURE the vendor receives and, when told, drops the connection of
 * the first paid request after reading it (the payer then resends the same payload).
 */

setupLocalTestbed();

let vendor: { url: string; stop(): Promise<void> };
let received: PaymentPayload[] = [];
let dropNextPaid = false;

beforeAll(async () => {
  const demo = createDemoVendorApp({
    facilitatorUrl: net.facilitatorUrl,
    chainId: net.chainId,
    usdcAddress: net.usdcAddress,
    payTo: net.payee,
  });
  const recorder = new Hono<{ Bindings: { incoming: IncomingMessage } }>();
  recorder.all("*", async (c) => {
    const signature = c.req.header("payment-signature");
    if (signature) {
      received.push(decodePaymentSignatureHeader(signature));
      if (dropNextPaid) {
        dropNextPaid = false;
        c.env.incoming.socket.destroy();
        return new Response(null);
      }
    }
    return demo.fetch(c.req.raw);
  });
  vendor = await serveLocally(recorder as unknown as Hono);
});

afterAll(async () => {
  await vendor?.stop();
});

beforeEach(() => {
  received = [];
  dropNextPaid = false;
});

/** The id the vendor should see, computed here apart from the code under test. */
const expectedId = (agentId: string, idempotencyKey: string) =>
  `pay_${createHash("sha256")
    .update(JSON.stringify([agentId, idempotencyKey]))
    .digest("hex")}`;

const buy = (path: string, idempotencyKey: string, agentId = AGENT) =>
  payer({ allow: [vendor.url] }).payForService({ agentId, url: `${vendor.url}${path}`, idempotencyKey });

async function ledger(id: string | null) {
  const row = await readLedgerRow(t.db, { id: id ?? "" });
  if (!row) throw new Error(`no ledger row ${id}`);
  return {
    record: row.metadata.payment_identifier,
    shown: paymentIdentifierStatus(row.metadata, { status: row.status, errorCode: row.error_code }),
  };
}

describe("a vendor that advertises payment-identifier", () => {
  it("receives our id in PAYMENT-SIGNATURE, and the row records it was sent", async () => {
    const k = key();
    const out = await buy("/search", k);
    expect(out).toMatchObject({ ok: true, paid: true, replayed: false });
    if (!out.ok || !out.paid) return;
    expect(received).toHaveLength(1);
    const id = expectedId(AGENT, k);
    expect(extractPaymentIdentifier(received[0] as PaymentPayload)).toBe(id);
    // Only the extension we built travels: nothing else of the vendor's 402 is echoed.
    expect(Object.keys(received[0]?.extensions ?? {})).toEqual(["payment-identifier"]);
    expect(await ledger(out.transactionId)).toEqual({
      record: { advertised: true, id },
      shown: { sent: true, id },
    });
  });

  it("a key outside the extension's format gets a stable derived id: the same on a resend, another for another agent", async () => {
    const k = `order #42 / résumé ✓ ${key()} ${"x".repeat(150)}`;
    expect(k.length).toBeGreaterThan(128);
    const before = await balances();
    dropNextPaid = true;
    const out = await buy("/search", k);
    expect(out).toMatchObject({ ok: true, paid: true });
    if (!out.ok || !out.paid) return;
    // The vendor read the first paid request, then its connection dropped: the payer resent the
    // same signed payload, so the vendor saw the same id twice, and one payment moved.
    expect(received).toHaveLength(2);
    const ids = received.map((p) => extractPaymentIdentifier(p));
    const id = expectedId(AGENT, k);
    expect(ids).toEqual([id, id]);
    expect(isValidPaymentId(id)).toBe(true);
    expect(signatures).toBe(1);
    expect(before.payer - (await balances()).payer).toBe(10_000n);
    expect((await ledger(out.transactionId)).shown).toEqual({ sent: true, id });

    // The same key again is the same purchase: answered from the ledger, with the same id on it.
    const again = await buy("/search", k);
    expect(again).toMatchObject({ ok: true, paid: true, replayed: true, transactionId: out.transactionId });
    expect(received).toHaveLength(2);

    // Another agent's equal key is another payment to the vendor: another id.
    const { agent: otherAgent } = await addAgent(t.db, { id: `pid_agent_${Date.now()}`, actor: "test" });
    const other = await buy("/search", k, otherAgent.id);
    expect(other).toMatchObject({ ok: true, paid: true, replayed: false });
    expect(received).toHaveLength(3);
    expect(extractPaymentIdentifier(received[2] as PaymentPayload)).toBe(expectedId(otherAgent.id, k));
    expect(expectedId(otherAgent.id, k)).not.toBe(id);
  });
});

/**
 * A vendor behind the official Hono middleware whose /odd route declares `extensions` as given:
 * for declarations the demo vendors do not make.
 */
async function startDeclaringVendor(extensions: Record<string, unknown>) {
  const network = net.network as `${string}:${string}`;
  const server = new x402ResourceServer(new HTTPFacilitatorClient({ url: net.facilitatorUrl })).register(
    network,
    new ExactEvmScheme(),
  );
  const app = new Hono();
  app.use("*", async (c, next) => {
    const signature = c.req.header("payment-signature");
    if (signature) received.push(decodePaymentSignatureHeader(signature));
    await next();
  });
  app.use(
    paymentMiddleware(
      {
        "GET /odd": {
          accepts: {
            scheme: "exact",
            network,
            payTo: net.payee,
            price: {
              amount: "10000",
              asset: net.usdcAddress,
              extra: { name: "USD Coin", version: "2" },
            },
          },
          extensions,
        },
      },
      server,
    ),
  );
  app.get("/odd", (c) => c.json({ ok: true }));
  return serveLocally(app);
}

describe("declarations the demo vendors do not make", () => {
  it("the declaration is echoed with our id (a field it adds is kept, so the vendor accepts it); no other extension of the 402 is passed on", async () => {
    const odd = await startDeclaringVendor({
      "payment-identifier": { info: { required: true, scope: "per-payer" }, schema: { note: "theirs" } },
      eip2612GasSponsoring: { info: { version: "1" }, schema: {} },
      erc20ApprovalGasSponsoring: { info: { version: "1" }, schema: {} },
    });
    try {
      const k = key();
      const out = await payer({ allow: [odd.url] }).payForService({
        agentId: AGENT,
        url: `${odd.url}/odd`,
        idempotencyKey: k,
      });
      expect(out).toMatchObject({ ok: true, paid: true });
      expect(signatures).toBe(1);
      expect(received).toHaveLength(1);
      expect(received[0]?.extensions).toEqual({
        "payment-identifier": {
          info: { required: true, scope: "per-payer", id: expectedId(AGENT, k) },
          schema: { note: "theirs" },
        },
      });
    } finally {
      await odd.stop();
    }
  });

  it("a declaration that already names an id gets no extension, and the row says so", async () => {
    const odd = await startDeclaringVendor({
      "payment-identifier": { info: { required: false, id: "pay_chosen_by_the_vendor_0001" }, schema: {} },
    });
    try {
      const out = await payer({ allow: [odd.url] }).payForService({
        agentId: AGENT,
        url: `${odd.url}/odd`,
        idempotencyKey: key(),
      });
      expect(out).toMatchObject({ ok: true, paid: true });
      if (!out.ok || !out.paid) return;
      expect(received).toHaveLength(1);
      expect(received[0]?.extensions ?? {}).toEqual({});
      expect(await ledger(out.transactionId)).toEqual({
        record: { advertised: false, reason: "invalid_declaration" },
        shown: { sent: false, reason: "invalid_declaration" },
      });
    } finally {
      await odd.stop();
    }
  });
});

describe("a vendor that does not advertise it", () => {
  it("receives no extension, and the row records it was not advertised", async () => {
    const out = await buy("/code-scan", key());
    expect(out).toMatchObject({ ok: true, paid: true });
    if (!out.ok || !out.paid) return;
    expect(received).toHaveLength(1);
    expect(received[0]?.extensions ?? {}).toEqual({});
    expect(await ledger(out.transactionId)).toEqual({
      record: { advertised: false },
      shown: { sent: false, reason: "not_advertised" },
    });
  });
});

describe("a reservation the budget refuses", () => {
  it("sends nothing, and the row says the id was not sent", async () => {
    const out = await buy("/search", key(), "no_such_agent");
    expect(out).toMatchObject({ ok: false, transactionId: expect.any(String) });
    expect(received).toHaveLength(0);
    expect(signatures).toBe(0);
    if (out.ok) return;
    expect((await ledger(out.transactionId)).shown).toEqual({ sent: false, reason: "not_signed" });
  });
});
