import { x402Client } from "@x402/core/client";
import type { PaymentPayload, PaymentRequired, PaymentRequirements } from "@x402/core/types";
import { ExactEvmScheme } from "@x402/evm/exact/client";
import type { Address, Hex, LocalAccount } from "viem";

/**
 * Signing one payment with the official @x402 client: exactly the requirements the budget engine
 * reserved for, capped at their amount, and only when the result is an EIP-3009 authorization
 * whose nonce can be tracked on chain.
 */

export type Signed =
  | { ok: true; payload: PaymentPayload; nonce: Hex; validAfter: Date; validBefore: Date }
  | { ok: false; message: string };

export function createSigner(options: { account: LocalAccount; network: string; usdcAddress: Address }) {
  const scheme = new ExactEvmScheme(options.account);
  const network = options.network as `${string}:${string}`;

  /**
   * The official client, one per purchase: it signs, and its before-creation hook is a last
   * guard that it signs exactly the requirements the engine reserved for, capped at that amount.
   */
  function clientFor(approved: PaymentRequirements) {
    return new x402Client()
      .register(network, scheme)
      .setSpendControls({
        maxAmountPerPayment: false,
        allowedAssets: [{ network, asset: options.usdcAddress, maxAmountPerPayment: approved.amount }],
      })
      .onBeforePaymentCreation(async ({ selectedRequirements }) => {
        if (JSON.stringify(selectedRequirements) !== JSON.stringify(approved)) {
          return { abort: true, reason: "requirements differ from the ones the budget engine reserved" };
        }
      });
  }

  /**
   * Signs exactly the approved requirements; extensions are not passed on (they could ask for
   * approvals or permits beyond this one transfer).
   */
  return async function sign(
    requirements: PaymentRequirements,
    resource: PaymentRequired["resource"],
  ): Promise<Signed> {
    let payload: PaymentPayload;
    try {
      payload = await clientFor(requirements).createPaymentPayload({
        x402Version: 2,
        resource,
        accepts: [requirements],
      });
    } catch (error) {
      return { ok: false, message: `could not sign: ${(error as Error).message}` };
    }
    const authorization = (payload.payload as { authorization?: Record<string, string> }).authorization;
    const nonce = authorization?.nonce as Hex | undefined;
    if (!authorization || !nonce || !/^0x[0-9a-fA-F]{64}$/.test(nonce)) {
      // Not an EIP-3009 authorization we can track on chain: it never leaves this process.
      return {
        ok: false,
        message: "the signed payload carries no EIP-3009 authorization nonce; nothing was sent",
      };
    }
    return {
      ok: true,
      payload,
      nonce,
      validAfter: new Date(Number(authorization.validAfter ?? "0") * 1000),
      validBefore: new Date(Number(authorization.validBefore ?? "0") * 1000),
    };
  };
}
