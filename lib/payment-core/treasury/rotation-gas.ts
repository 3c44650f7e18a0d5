import { createWalletClient, getAddress, http, type PrivateKeyAccount } from "viem";
import { writeAudit } from "../audit-log/write";
import { OperationError } from "../support/errors";
import type { Rotation, RotationDeps } from "./rotation";

/**
 * The sweep's second transfer: the old wallet's ETH (minus what this transfer costs) goes to the
 * new payer, so it can pay for on-chain cancels (auto-cancel, the kill switch's "cancel
 * outstanding") from its first payment. Called once the USDC sweep is mined, before `swept`.
 *
 * Safe to run again: it sends what the old wallet holds now, so a second run after a crash finds
 * only dust and sends nothing; while an earlier transfer of the old wallet is still in the mempool
 * it refuses (`rotation_sweep_pending`) rather than sign a second one. Nothing else needs the old
 * wallet's ETH: its open authorizations were resolved and its USDC moved before this runs.
 */

/** A plain ETH transfer's gas. */
const TRANSFER_GAS = 21_000n;

export async function moveGas(
  deps: RotationDeps & { sweepReceiptTimeoutMs?: number },
  r: Rotation,
  old: PrivateKeyAccount,
  actor: string,
): Promise<{ txHash: string; wei: bigint } | null> {
  const client = deps.publicClient;
  const [latest, pending] = await Promise.all([
    client.getTransactionCount({ address: old.address, blockTag: "latest" }),
    client.getTransactionCount({ address: old.address, blockTag: "pending" }),
  ]);
  if (pending > latest) {
    throw new OperationError(
      "rotation_sweep_pending",
      "a transaction of the old wallet is not mined yet: sweep again once it is",
      { rotationId: r.id, wallet: old.address, nonce: latest },
    );
  }
  const balance = await client.getBalance({ address: old.address, blockTag: "latest" });
  const fees = await client.estimateFeesPerGas();
  const cost = TRANSFER_GAS * fees.maxFeePerGas;
  if (balance <= cost) return null;
  const wei = balance - cost;
  const wallet = createWalletClient({ account: old, transport: http(deps.rpcUrl, { timeout: 30_000 }) });
  const txHash = await wallet.sendTransaction({
    account: old,
    to: getAddress(r.newWallet),
    value: wei,
    gas: TRANSFER_GAS,
    maxFeePerGas: fees.maxFeePerGas,
    maxPriorityFeePerGas: fees.maxPriorityFeePerGas,
    nonce: latest,
    chain: null,
  });
  await writeAudit(deps.db, {
    actor,
    action: "payer_rotation.gas_moved",
    targetType: "payer_rotation",
    targetId: r.id,
    after: {
      oldWallet: r.oldWallet,
      newWallet: r.newWallet,
      txHash,
      wei: wei.toString(),
      feeCapWei: cost.toString(),
    },
  });
  try {
    const receipt = await client.waitForTransactionReceipt({
      hash: txHash,
      pollingInterval: 250,
      timeout: deps.sweepReceiptTimeoutMs ?? 120_000,
    });
    if (receipt.status !== "success") {
      throw new OperationError(
        "rotation_gas_transfer_failed",
        "the ETH transfer to the new wallet reverted",
        {
          rotationId: r.id,
          txHash,
          wei: wei.toString(),
        },
      );
    }
  } catch (error) {
    if ((error as Error).name !== "WaitForTransactionReceiptTimeoutError") throw error;
    throw new OperationError(
      "rotation_sweep_pending",
      `the ETH transfer ${txHash} to the new wallet is not mined yet: sweep again once it is`,
      { rotationId: r.id, txHash, wei: wei.toString() },
    );
  }
  return { txHash, wei };
}
