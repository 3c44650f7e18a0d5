import { x402Client } from "@x402/core/client";
import type { PaymentPayload, PaymentRequired, PaymentRequirements } from "@x402/core/types";
import { type ClientEvmSigner, PERMIT2_ADDRESS, x402UptoPermit2ProxyAddress } from "@x402/evm";
import { ExactEvmScheme } from "@x402/evm/exact/client";
import { UptoEvmScheme } from "@x402/evm/upto/client";
import { type Address, getAddress, type Hex, type LocalAccount } from "viem";
import { permit2NonceHex } from "../chain/permit2";

/**
 * Signing one payment with the official @x402 client: exactly the requirements the budget engine
 * reserved for, capped at their amount, and only when the result is an authorization whose nonce
 * can be tracked on chain: an EIP-3009 TransferWithAuthorization (`exact`) or a Permit2
 * PermitWitnessTransferFrom to the x402 upto proxy for this USDC (`upto`).
 */

/**
 * The authorization the client is about to sign: what the ledger records before it exists. For
 * `upto`, `nonce` is the Permit2 nonce as 32-byte hex, `valueMicro` the signed maximum and
 * `validBefore` the permit's deadline.
 */
export interface PendingAuthorization {
  nonce: Hex;
  valueMicro: bigint;
  validAfter: Date;
  validBefore: Date;
  to: Address;
}

interface UptoAuthorization {
  nonce: string;
  deadline: string;
  witness?: { validAfter?: string };
}

export type Signed =
  | { ok: true; payload: PaymentPayload; nonce: Hex; validAfter: Date; validBefore: Date }
  | { ok: false; message: string };

export function createSigner(options: { account: LocalAccount; network: string; usdcAddress: Address }) {
  const network = options.network as `${string}:${string}`;

  /** An `upto` Permit2 witness transfer, checked to be for this USDC through the x402 upto proxy. */
  function permit2Pending(domain: Record<string, unknown>, m: Record<string, unknown>): PendingAuthorization {
    const permitted = m.permitted as { token?: string; amount?: bigint } | undefined;
    const witness = m.witness as { to?: string; validAfter?: bigint } | undefined;
    if (
      typeof domain.verifyingContract !== "string" ||
      getAddress(domain.verifyingContract) !== getAddress(PERMIT2_ADDRESS) ||
      typeof m.spender !== "string" ||
      getAddress(m.spender) !== getAddress(x402UptoPermit2ProxyAddress) ||
      !permitted?.token ||
      getAddress(permitted.token) !== getAddress(options.usdcAddress) ||
      typeof m.nonce !== "bigint" ||
      typeof m.deadline !== "bigint" ||
      !witness?.to
    ) {
      throw new Error(
        "refusing to sign a Permit2 transfer that is not this USDC through the x402 upto proxy",
      );
    }
    return {
      nonce: permit2NonceHex(m.nonce),
      valueMicro: BigInt(permitted.amount ?? 0n),
      validAfter: new Date(Number(witness.validAfter ?? 0n) * 1000),
      validBefore: new Date(Number(m.deadline) * 1000),
      to: witness.to as Address,
    };
  }

  /**
   * The account as the scheme sees it: `beforeSigning` is told the authorization (nonce,
   * amount, validity) and may refuse by throwing, before the account signs anything. Only an
   * EIP-3009 TransferWithAuthorization is ever signed.
   */
  function signerFor(beforeSigning?: (auth: PendingAuthorization) => Promise<void>): ClientEvmSigner {
    if (!beforeSigning) return options.account;
    return {
      address: options.account.address,
      async signTypedData(typed) {
        const m = typed.message as Record<string, unknown>;
        if (typed.primaryType === "PermitWitnessTransferFrom") {
          await beforeSigning(permit2Pending(typed.domain as Record<string, unknown>, m));
          return options.account.signTypedData(typed as Parameters<LocalAccount["signTypedData"]>[0]);
        }
        if (typed.primaryType !== "TransferWithAuthorization" || typeof m.nonce !== "string") {
          throw new Error(
            `refusing to sign ${String(typed.primaryType)}: only an EIP-3009 authorization is signed`,
          );
        }
        await beforeSigning({
          nonce: m.nonce as Hex,
          valueMicro: BigInt(String(m.value)),
          validAfter: new Date(Number(m.validAfter) * 1000),
          validBefore: new Date(Number(m.validBefore) * 1000),
          to: m.to as Address,
        });
        return options.account.signTypedData(typed as Parameters<LocalAccount["signTypedData"]>[0]);
      },
    };
  }

  /**
   * The official client, one per purchase: it signs, and its before-creation hook is a last
   * guard that it signs exactly the requirements the engine reserved for, capped at that amount.
   */
  function clientFor(
    approved: PaymentRequirements,
    beforeSigning?: (auth: PendingAuthorization) => Promise<void>,
  ) {
    const signer = signerFor(beforeSigning);
    return new x402Client()
      .register(network, new ExactEvmScheme(signer))
      .register(network, new UptoEvmScheme(signer))
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
   * Signs exactly the approved requirements. The vendor's extensions are not passed on (they
   * could ask for approvals or permits beyond this one transfer): `required.extensions` is only
   * what payment-identifier.ts built, which the client copies into the payload as it is.
   */
  return async function sign(
    requirements: PaymentRequirements,
    required: Pick<PaymentRequired, "resource" | "extensions">,
    beforeSigning?: (auth: PendingAuthorization) => Promise<void>,
  ): Promise<Signed> {
    let payload: PaymentPayload;
    try {
      payload = await clientFor(requirements, beforeSigning).createPaymentPayload({
        x402Version: 2,
        resource: required.resource,
        accepts: [requirements],
        ...(required.extensions ? { extensions: required.extensions } : {}),
      });
    } catch (error) {
      return { ok: false, message: `could not sign: ${(error as Error).message}` };
    }
    const permit = (payload.payload as { permit2Authorization?: UptoAuthorization }).permit2Authorization;
    if (requirements.scheme === "upto") {
      if (!permit || !/^\d{1,78}$/.test(String(permit.nonce)) || !/^\d+$/.test(String(permit.deadline))) {
        return { ok: false, message: "the signed payload carries no Permit2 nonce; nothing was sent" };
      }
      return {
        ok: true,
        payload,
        nonce: permit2NonceHex(permit.nonce),
        validAfter: new Date(Number(permit.witness?.validAfter ?? "0") * 1000),
        validBefore: new Date(Number(permit.deadline) * 1000),
      };
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
