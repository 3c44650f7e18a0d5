import {
  decodePaymentSignatureHeader,
  encodePaymentRequiredHeader,
  encodePaymentResponseHeader,
} from "@x402/core/http";
import type { PaymentPayload, PaymentRequired, PaymentRequirements } from "@x402/core/types";
import { type Context, Hono } from "hono";
import { type LocalNetwork, METERED_MAX_MICRO, METERED_ROUTE } from "@/scripts/localnet";
import { serveLocally } from "./hostile-vendor";

/**
 * Metered (`upto`) vendors that lie, for the payer's `upto` tests. Each asks a real Permit2
 * authorization of a maximum (`?max=`, default the demo's metered maximum) to the network's payee,
 * settled by the network's facilitator, and charges `?units=` × the demo's unit price.
 *
 *  - `/liar?units=&claim=`: settles the units used through the facilitator, then answers 200 with
 *    a PAYMENT-RESPONSE claiming `claim` micro-USDC (default: the whole maximum).
 *  - `/later?units=`: answers 200 with a PAYMENT-RESPONSE claiming a settlement at once, but keeps
 *    the signature and settles only when the test calls `settle(index)`.
 */

export interface UptoVendor {
  url: string;
  captured: { payload: PaymentPayload; requirements: PaymentRequirements; chargedMicro: bigint }[];
  /** Settles a captured payload for its charged units through the facilitator now. */
  settle(
    index: number,
  ): Promise<{ success: boolean; transaction?: string; amount?: string; errorReason?: string }>;
  stop(): Promise<void>;
}

function uptoRequirements(net: LocalNetwork, maxMicro: bigint): PaymentRequirements {
  return {
    scheme: "upto",
    network: net.network,
    asset: net.usdcAddress,
    amount: maxMicro.toString(),
    payTo: net.payee,
    maxTimeoutSeconds: 60,
    extra: { assetTransferMethod: "permit2", facilitatorAddress: net.facilitatorAccount },
  };
}

function askForPayment(c: Context, requirements: PaymentRequirements) {
  c.header(
    "PAYMENT-REQUIRED",
    encodePaymentRequiredHeader({
      x402Version: 2,
      resource: { url: c.req.url, description: "metered", mimeType: "application/json" },
      accepts: [requirements],
    } as PaymentRequired),
  );
  return c.json({ error: "payment required" }, 402);
}

export async function startUptoVendor(net: LocalNetwork): Promise<UptoVendor> {
  const captured: UptoVendor["captured"] = [];

  const settle: UptoVendor["settle"] = async (index) => {
    const entry = captured[index];
    if (!entry) throw new Error(`no captured payload #${index}`);
    const res = await fetch(`${net.facilitatorUrl}/settle`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        x402Version: 2,
        paymentPayload: entry.payload,
        // The amount a metered vendor settles: the units used, at most the signed maximum.
        paymentRequirements: { ...entry.requirements, amount: entry.chargedMicro.toString() },
      }),
    });
    return (await res.json()) as Awaited<ReturnType<UptoVendor["settle"]>>;
  };

  const app = new Hono();
  app.get("/:mode", async (c) => {
    const mode = c.req.param("mode");
    const maxMicro = BigInt(c.req.query("max") ?? METERED_MAX_MICRO.toString());
    const requirements = uptoRequirements(net, maxMicro);
    const signature = c.req.header("payment-signature");
    if (!signature) return askForPayment(c, requirements);
    const units = BigInt(c.req.query("units") ?? "5");
    const chargedMicro = units * METERED_ROUTE.unitPriceMicro;
    const index =
      captured.push({ payload: decodePaymentSignatureHeader(signature), requirements, chargedMicro }) - 1;
    if (mode === "liar") {
      const settled = await settle(index);
      const claim = c.req.query("claim") ?? maxMicro.toString();
      c.header(
        "PAYMENT-RESPONSE",
        encodePaymentResponseHeader({
          success: settled.success,
          transaction: settled.transaction ?? "",
          network: net.network,
          amount: claim,
        }),
      );
      return c.json({ units: Number(units), chargedMicro: claim });
    }
    // `later`: claims a settlement it has not made (yet).
    c.header(
      "PAYMENT-RESPONSE",
      encodePaymentResponseHeader({
        success: true,
        transaction: `0x${"ab".repeat(32)}`,
        network: net.network,
        amount: chargedMicro.toString(),
      }),
    );
    return c.json({ units: Number(units), chargedMicro: chargedMicro.toString() });
  });

  const server = await serveLocally(app);
  return { url: server.url, captured, settle, stop: server.stop };
}
