import {
  type Address,
  encodeFunctionData,
  type Hex,
  type PublicClient,
  parseAbi,
  parseSignature,
} from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";

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

const CANCEL_ABI = parseAbi([
  "function cancelAuthorization(address authorizer, bytes32 nonce, uint8 v, bytes32 r, bytes32 s)",
]);

export interface PayerGas {
  address: Address;
  balanceWei: bigint;
  /** Gas of one cancelAuthorization, as the node estimates it now. */
  cancelGas: bigint;
  maxFeePerGasWei: bigint;
  /** cancelGas × maxFeePerGasWei. */
  perCancelWei: bigint;
}

export interface CancelGasTarget {
  usdcAddress: Address;
  chainId: number;
  /** USDC's EIP-712 domain. */
  usdcName: string;
  usdcVersion: string;
}

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
  const signature = await stranger.signTypedData({
    domain: {
      name: target.usdcName,
      version: target.usdcVersion,
      chainId: target.chainId,
      verifyingContract: target.usdcAddress,
    },
    types: {
      CancelAuthorization: [
        { name: "authorizer", type: "address" },
        { name: "nonce", type: "bytes32" },
      ],
    },
    primaryType: "CancelAuthorization",
    message: { authorizer: stranger.address, nonce },
  });
  const { r, s, v, yParity } = parseSignature(signature);
  // Sent from the payer, as the real cancel is; no fee fields, so an empty wallet still gets an estimate.
  return client.estimateGas({
    account: target.payer,
    to: target.usdcAddress,
    data: encodeFunctionData({
      abi: CANCEL_ABI,
      functionName: "cancelAuthorization",
      args: [stranger.address, nonce, Number(v ?? BigInt(27 + (yParity ?? 0))), r, s],
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
