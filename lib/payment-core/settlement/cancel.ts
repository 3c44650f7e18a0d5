import {
  type Address,
  type Chain,
  createWalletClient,
  type Hex,
  http,
  type LocalAccount,
  type PublicClient,
  parseAbi,
  parseSignature,
} from "viem";

/**
 * EIP-3009 `cancelAuthorization`: the payer signs CancelAuthorization(authorizer, nonce) and the
 * signed message is submitted on chain. Once mined, the nonce is spent: a vendor holding the
 * original transferWithAuthorization signature can never settle it. Submitting costs gas, paid by
 * the submitting account (here the payer itself), so the payer needs a little native gas.
 */

export const CANCEL_ABI = parseAbi([
  "function cancelAuthorization(address authorizer, bytes32 nonce, uint8 v, bytes32 r, bytes32 s)",
]);

export interface CancelConfig {
  account: LocalAccount;
  rpcUrl: string;
  chainId: number;
  usdcAddress: Address;
  /** USDC's EIP-712 domain. */
  usdcName: string;
  usdcVersion: string;
}

export type CancelResult =
  | { ok: true; txHash: Hex; blockNumber: bigint }
  | { ok: false; code: "no_gas" | "cancel_reverted" | "cancel_failed"; message: string; txHash?: Hex };

/** USDC's EIP-712 domain, as a cancel is signed over it. */
export type CancelDomain = Pick<CancelConfig, "chainId" | "usdcAddress" | "usdcName" | "usdcVersion">;

/**
 * `account` signs CancelAuthorization(account, nonce) over USDC's domain: the arguments of
 * `cancelAuthorization` (the payer's real cancel, and the throwaway one cancel-gas.ts estimates).
 */
export async function signedCancelArgs(
  account: Pick<LocalAccount, "address" | "signTypedData">,
  domain: CancelDomain,
  nonce: Hex,
): Promise<readonly [Address, Hex, number, Hex, Hex]> {
  const signature = await account.signTypedData({
    domain: {
      name: domain.usdcName,
      version: domain.usdcVersion,
      chainId: domain.chainId,
      verifyingContract: domain.usdcAddress,
    },
    types: {
      CancelAuthorization: [
        { name: "authorizer", type: "address" },
        { name: "nonce", type: "bytes32" },
      ],
    },
    primaryType: "CancelAuthorization",
    message: { authorizer: account.address, nonce },
  });
  const { r, s, v, yParity } = parseSignature(signature);
  return [account.address, nonce, Number(v ?? BigInt(27 + (yParity ?? 0))), r, s] as const;
}

export async function cancelAuthorization(
  client: PublicClient,
  config: CancelConfig,
  nonce: Hex,
): Promise<CancelResult> {
  const { account } = config;
  const gas = await client.getBalance({ address: account.address });
  if (gas === 0n) {
    return {
      ok: false,
      code: "no_gas",
      message: `the payer ${account.address} has no native gas to submit cancelAuthorization; fund it with a little ETH on this chain, or wait for the authorization to expire`,
    };
  }
  const args = await signedCancelArgs(account, config, nonce);
  const chain = {
    id: config.chainId,
    name: `chain ${config.chainId}`,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [config.rpcUrl] } },
  } satisfies Chain;
  const wallet = createWalletClient({ account, chain, transport: http(config.rpcUrl, { timeout: 20_000 }) });
  try {
    // Simulate first: a nonce used meanwhile reverts here, without spending gas.
    await client.simulateContract({
      account,
      address: config.usdcAddress,
      abi: CANCEL_ABI,
      functionName: "cancelAuthorization",
      args,
    });
  } catch (error) {
    return {
      ok: false,
      code: "cancel_reverted",
      message: `cancelAuthorization would revert: ${(error as { shortMessage?: string }).shortMessage ?? "unknown reason"}`,
    };
  }
  let hash: Hex;
  try {
    hash = await wallet.writeContract({
      address: config.usdcAddress,
      abi: CANCEL_ABI,
      functionName: "cancelAuthorization",
      args,
    });
  } catch (error) {
    const short = (error as { shortMessage?: string }).shortMessage ?? "the chain did not accept it";
    return { ok: false, code: /funds/i.test(short) ? "no_gas" : "cancel_failed", message: short };
  }
  const receipt = await client.waitForTransactionReceipt({ hash, pollingInterval: 250, timeout: 120_000 });
  if (receipt.status !== "success") {
    return { ok: false, code: "cancel_reverted", message: "cancelAuthorization reverted", txHash: hash };
  }
  return { ok: true, txHash: hash, blockNumber: receipt.blockNumber };
}
