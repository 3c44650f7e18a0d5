import { type Address, encodeFunctionData, type Hex, type PublicClient } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { CANCEL_ABI, type CancelDomain, signedCancelArgs } from "./cancel";

/**
 * What one on-chain cancel (EIP-3009 cancelAuthorization, see cancel.ts) costs the payer now, and
 * how much ETH it holds: the figures of the `payer_low_gas` alert.
 *
 * The gas is estimated against the real USDC contract, not taken from a constant: a cancel signed
 * by a throwaway key for a fresh nonce of its own does exactly the work the payer's cancel does
 * (one signature check, one unused nonce marked used), and needs neither the payer's key (a console
 * configured with X402_WALLET_ADDRESS alone can still be warned) nor any of its nonces. The price
 * is the fee cap a transaction would be sent with now (maxFeePerGas; gasPrice on a chain without
 * EIP-1559): what the node requires the balance to cover before it accepts the cancel.
 */

export interface PayerGas {
  address: Address;
  balanceWei: bigint;
  /** Gas of one cancelAuthorization, as the node estimates it now. */
  cancelGas: bigint;
  maxFeePerGasWei: bigint;
  /** cancelGas × maxFeePerGasWei. */
  perCancelWei: bigint;
}

/** USDC's contract and EIP-712 domain on the payer's chain. */
export type CancelGasTarget = CancelDomain;

export async function readPayerGas(
  client: PublicClient,
  target: CancelGasTarget & { payer: Address },
): Promise<PayerGas> {
  const [balanceWei, cancelGas, maxFeePerGasWei] = await Promise.all([
    client.getBalance({ address: target.payer, blockTag: "latest" }),
    estimateCancelGas(client, target),
    feeCap(client),
  ]);
  return {
    address: target.payer,
    balanceWei,
    cancelGas,
    maxFeePerGasWei,
    perCancelWei: cancelGas * maxFeePerGasWei,
  };
}

async function estimateCancelGas(client: PublicClient, target: CancelGasTarget & { payer: Address }) {
  const stranger = privateKeyToAccount(generatePrivateKey());
  const nonce = generatePrivateKey() as Hex;
  const args = await signedCancelArgs(stranger, target, nonce);
  // Sent from the payer, as the real cancel is; no fee fields, so an empty wallet still gets an estimate.
  return client.estimateGas({
    account: target.payer,
    to: target.usdcAddress,
    data: encodeFunctionData({
      abi: CANCEL_ABI,
      functionName: "cancelAuthorization",
      args,
    }),
  });
}

async function feeCap(client: PublicClient): Promise<bigint> {
  try {
    return (await client.estimateFeesPerGas()).maxFeePerGas;
  } catch {
    // A chain without EIP-1559 fees: the legacy gas price is the price.
    return client.getGasPrice();
  }
}
