import { type Chain, createWalletClient, type Hex, http, type PublicClient } from "viem";
import { PERMIT2_ADDRESS, PERMIT2_NONCE_ABI, permit2NonceBit } from "../chain/permit2";
import type { CancelConfig, CancelResult } from "./cancel";

/**
 * Cancelling an `upto` authorization: the payer calls Permit2's
 * `invalidateUnorderedNonces(wordPos, mask)` for the nonce's bit. Once mined, a vendor holding
 * the signed permit can never settle it. Unlike EIP-3009's cancel, invalidating a nonce that was
 * used meanwhile does not revert, so the caller reads the chain again afterwards (the resolver
 * captures a settlement it finds). Gas is paid by the payer, as for `exact`.
 */
export async function cancelPermit2Nonce(
  client: PublicClient,
  config: Pick<CancelConfig, "account" | "rpcUrl" | "chainId">,
  nonce: Hex,
): Promise<CancelResult> {
  const { account } = config;
  const gas = await client.getBalance({ address: account.address });
  if (gas === 0n) {
    return {
      ok: false,
      code: "no_gas",
      message: `the payer ${account.address} has no native gas to submit invalidateUnorderedNonces; fund it with a little ETH on this chain, or wait for the permit's deadline`,
    };
  }
  const { wordPos, mask } = permit2NonceBit(nonce);
  const chain = {
    id: config.chainId,
    name: `chain ${config.chainId}`,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [config.rpcUrl] } },
  } satisfies Chain;
  const wallet = createWalletClient({ account, chain, transport: http(config.rpcUrl, { timeout: 20_000 }) });
  let hash: Hex;
  try {
    hash = await wallet.writeContract({
      address: PERMIT2_ADDRESS,
      abi: PERMIT2_NONCE_ABI,
      functionName: "invalidateUnorderedNonces",
      args: [wordPos, mask],
    });
  } catch (error) {
    const short = (error as { shortMessage?: string }).shortMessage ?? "the chain did not accept it";
    return { ok: false, code: /funds/i.test(short) ? "no_gas" : "cancel_failed", message: short };
  }
  const receipt = await client.waitForTransactionReceipt({ hash, pollingInterval: 250, timeout: 120_000 });
  if (receipt.status !== "success") {
    return {
      ok: false,
      code: "cancel_reverted",
      message: "invalidateUnorderedNonces reverted",
      txHash: hash,
    };
  }
  return { ok: true, txHash: hash, blockNumber: receipt.blockNumber };
}
