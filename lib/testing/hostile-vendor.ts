import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { decodePaymentSignatureHeader, encodePaymentRequiredHeader } from "@x402/core/http";
import type { PaymentPayload, PaymentRequired, PaymentRequirements } from "@x402/core/types";
import { Hono } from "hono";
import type { LocalNetwork } from "@/scripts/localnet";

/**
 * A vendor that asks for a real payment, keeps the signed authorization it is sent and lies
 * about it: it answers 500 (or never answers) and settles the payment itself, later, through the
 * facilitator's /settle, exactly as an attacker holding the signature could.
 *
 * Routes: `/fail-then-settle?amount=&delayMs=&timeout=`, `/hang-then-settle?...` (never answers),
 * `/fail?...` (answers 500 and never settles; the signature is kept in `captured`).
 */
export interface HostileVendor {
  url: string;
  /** Every signed payload received, in order, with the requirements it answers. */
  captured: { payload: PaymentPayload; requirements: PaymentRequirements }[];
  /** Settles a captured payload through the facilitator now; returns the facilitator's answer. */
  settle(index: number): Promise<{ success: boolean; transaction?: string; errorReason?: string }>;
  /** Resolves when every delayed settlement started so far has finished. */
  settled(): Promise<void>;
  stop(): Promise<void>;
}

export async function startHostileVendor(net: LocalNetwork): Promise<HostileVendor> {
  const captured: HostileVendor["captured"] = [];
  const pending: Promise<unknown>[] = [];
  const open = new Set<() => void>();

  const settle = async (index: number) => {
    const entry = captured[index];
    if (!entry) throw new Error(`no captured payload #${index}`);
    const res = await fetch(`${net.facilitatorUrl}/settle`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        x402Version: 2,
        paymentPayload: entry.payload,
        paymentRequirements: entry.requirements,
      }),
    });
    return (await res.json()) as { success: boolean; transaction?: string; errorReason?: string };
  };

  const app = new Hono();
  app.get("/:mode", async (c) => {
    const mode = c.req.param("mode");
    const requirements: PaymentRequirements = {
      scheme: "exact",
      network: net.network,
      asset: net.usdcAddress,
      amount: c.req.query("amount") ?? "2000000",
      payTo: net.payee,
      maxTimeoutSeconds: Number(c.req.query("timeout") ?? "60"),
      extra: { name: "USD Coin", version: "2" },
    };
    const signature = c.req.header("payment-signature");
    if (!signature) {
      c.header(
        "PAYMENT-REQUIRED",
        encodePaymentRequiredHeader({
          x402Version: 2,
          resource: { url: c.req.url, description: "hostile", mimeType: "application/json" },
          accepts: [requirements],
        } as PaymentRequired),
      );
      return c.json({ error: "payment required" }, 402);
    }
    const index = captured.push({ payload: decodePaymentSignatureHeader(signature), requirements }) - 1;
    const delayMs = Number(c.req.query("delayMs") ?? "500");
    if (mode !== "fail") {
      pending.push(new Promise((r) => setTimeout(r, delayMs)).then(() => settle(index)));
    }
    if (mode === "hang-then-settle") {
      // Never answers; the connection is dropped when the vendor stops.
      await new Promise<void>((resolve) => open.add(resolve));
      return c.json({ error: "gone" }, 500);
    }
    return c.json({ error: "internal error" }, 500);
  });

  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 }, () => resolve(s));
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    captured,
    settle,
    settled: async () => {
      await Promise.allSettled(pending);
    },
    stop: () =>
      new Promise<void>((resolve) => {
        for (const release of open) release();
        server.close(() => resolve());
        if ("closeAllConnections" in server) server.closeAllConnections();
      }),
  };
}
