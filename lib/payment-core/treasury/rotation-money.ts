import { eq } from "drizzle-orm";
import { getAddress } from "viem";
import { transactions, wallets } from "@/db/schema";
import { OperationError } from "../support/errors";
import { getUsdcBalance } from "../x402/usdc";
import { advance, expectState, load, type Rotation, type RotationDeps, walletAccount } from "./rotation";

export { type SweepOptions, sweepRotation } from "./rotation-sweep";

/**
 * The rotation's steps that move money: a test payment from the new wallet, the sweep of the old
 * wallet's USDC, and the switch of the active payer. Each is safe to call again after a crash or
 * a reload: the test payment has a fixed idempotency key, the sweep records its transfer's hash
 * before broadcasting it and never signs a second one (rotation-sweep.ts).
 */

/**
 * Step 4: a real x402 purchase signed by the new wallet must settle. It is an ordinary ledger row
 * of `agentId` (the operator picks the agent, as any purchase is some agent's): it counts against
 * that agent's budget and shows in the ledger, so the test costs what the vendor charges, visibly.
 */
export async function testPayment(
  deps: RotationDeps,
  input: { rotationId: string; agentId: string; url: string; actor: string },
): Promise<Rotation> {
  const r = await load(deps.db, input.rotationId);
  expectState(r, "approved");
  const account = await walletAccount(deps, r.newWallet);
  // Said plainly before any signature: the new wallet needs a little USDC to pay the test vendor.
  const funds = await getUsdcBalance(deps.publicClient, deps.usdcAddress, account.address);
  if (funds === 0n) {
    throw new OperationError(
      "rotation_new_wallet_unfunded",
      "send the new wallet a little USDC for the test payment",
      {
        wallet: account.address,
        balanceMicro: "0",
      },
    );
  }
  const outcome = await deps.payerFor(account).payForService({
    agentId: input.agentId,
    url: input.url,
    // Fixed per rotation: a retried step returns the same ledger row instead of paying twice.
    idempotencyKey: `payer-rotation-${r.id}`,
    vendor: "payer rotation test",
  });
  if (!outcome.ok || !outcome.paid) {
    throw new OperationError(
      "rotation_test_payment_failed",
      outcome.ok ? "the vendor asked for no payment" : outcome.message,
      {
        code: outcome.ok ? "not_paid" : outcome.code,
        transactionId: outcome.ok ? null : outcome.transactionId,
      },
    );
  }
  const [row] = await deps.db
    .select()
    .from(transactions)
    .where(eq(transactions.id, outcome.transactionId))
    .limit(1);
  if (row?.status !== "completed" || row.payer?.toLowerCase() !== r.newWallet) {
    throw new OperationError(
      "rotation_test_payment_failed",
      "the test payment did not settle from the new wallet",
      {
        transactionId: outcome.transactionId,
        status: row?.status ?? null,
        payer: row?.payer ?? null,
        expectedPayer: getAddress(r.newWallet),
      },
    );
  }
  const now = (deps.now ?? (() => new Date()))();
  return advance(deps, r, "approved", "test_paid", { testPaymentTxId: row.id, testPaidAt: now }, input.actor);
}

/**
 * Step 6: the old wallet is retired and the new one becomes the active payer, in one transaction
 * with the rotation's last state. The payment path reads the active payer wallet, so the next
 * payment signs with the new key; the retired key signs nothing (payer-wallet.ts).
 */
export async function completeRotation(
  deps: RotationDeps,
  input: { rotationId: string; actor: string },
): Promise<Rotation> {
  const r = await load(deps.db, input.rotationId);
  expectState(r, "swept");
  const now = (deps.now ?? (() => new Date()))();
  const done = await advance(deps, r, "swept", "completed", { completedAt: now }, input.actor, async (tx) => {
    // Retire first: the one-active-payer index refuses two active payers even for an instant.
    await tx.update(wallets).set({ active: false, retiredAt: now }).where(eq(wallets.address, r.oldWallet));
    await tx.update(wallets).set({ active: true }).where(eq(wallets.address, r.newWallet));
  });
  deps.onPayerChanged?.();
  return done;
}

/** Abandons a rotation before any money moved (after the sweep the only way is forward). */
export async function cancelRotation(
  deps: RotationDeps,
  input: { rotationId: string; actor: string },
): Promise<Rotation> {
  const r = await load(deps.db, input.rotationId);
  if (!["registered", "proven", "approved", "test_paid"].includes(r.state)) {
    throw new OperationError(
      "rotation_wrong_state",
      `rotation ${r.id} is ${r.state}: it can no longer be cancelled`,
      {
        rotationId: r.id,
        state: r.state,
      },
    );
  }
  if (r.sweepTxHash) {
    // A signed sweep may still be mined: the rotation can only go forward (sweep again to settle it).
    throw new OperationError(
      "rotation_sweep_pending",
      `rotation ${r.id} has a sweep transfer recorded: sweep again to settle it; it can no longer be cancelled`,
      { rotationId: r.id, txHash: r.sweepTxHash },
    );
  }
  const now = (deps.now ?? (() => new Date()))();
  return advance(deps, r, r.state, "cancelled", { cancelledAt: now }, input.actor);
}
