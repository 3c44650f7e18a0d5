import { and, desc, eq, inArray, isNull, or, sql } from "drizzle-orm";
import {
  createWalletClient,
  encodeFunctionData,
  erc20Abi,
  getAddress,
  type Hex,
  http,
  keccak256,
  type PrivateKeyAccount,
  type TransactionReceipt,
} from "viem";
import type { Database } from "@/db/client";
import { auditLog, payerRotations, transactions } from "@/db/schema";
import { writeAudit } from "../audit-log/write";
import { resolveOpenTransactions } from "../settlement/resolver";
import { OperationError } from "../support/errors";
import { getUsdcBalance } from "../x402/usdc";
import { advance, expectState, load, type Rotation, type RotationDeps, walletAccount } from "./rotation";
import { moveGas } from "./rotation-gas";
import { closeGate, reopenGate } from "./rotation-gate";

/**
 * Step 5 of a rotation, the sweep of the old wallet's USDC to the new one, made safe against the
 * process dying at any point. The transfer is signed here and its hash, amount, nonce and signed
 * bytes are committed (the rotation row and an audit row) before it is broadcast; only then does
 * the sweep wait for the receipt. A sweep called again on a rotation that holds a hash never signs
 * a second transfer: it asks the chain about that one (mined: swept; reverted: cleared, audited,
 * swept anew; not mined yet: `rotation_sweep_pending` with the hash; never broadcast: the same
 * signed bytes are sent again, which can move the money only once).
 */

export interface SweepOptions {
  /**
   * Told at each point a crash must survive ("recorded": the hash is committed, "sent": the
   * transfer was broadcast). Tests throw here to simulate the process dying at that point.
   */
  onSweepProgress?: (point: "recorded" | "sent", txHash: Hex) => void | Promise<void>;
  /** How long the sweep waits for its transfer's receipt (default 120 s), then rotation_sweep_pending. */
  sweepReceiptTimeoutMs?: number;
}

type SweepDeps = RotationDeps & SweepOptions;

const OPEN = ["pending", "authorized"] as const;
const SIGNED = "payer_rotation.sweep_signed";

/** Open ledger rows the old wallet signed, or that no wallet has signed yet. */
async function openOfOldWallet(db: Database, oldWallet: string) {
  return db
    .select({ id: transactions.id })
    .from(transactions)
    .where(
      and(
        inArray(transactions.status, [...OPEN]),
        or(isNull(transactions.payer), sql`lower(${transactions.payer}) = ${oldWallet}`),
      ),
    );
}

/**
 * First every open authorization of the old wallet is resolved (captured if used, cancelled on
 * chain with the old key if not), so nothing in flight is lost; then the old wallet's whole USDC
 * balance moves to the new wallet in a transfer the old key signs.
 */
export async function sweepRotation(
  deps: SweepDeps,
  input: { rotationId: string; actor: string },
): Promise<Rotation> {
  let r = await load(deps.db, input.rotationId);
  expectState(r, "test_paid");
  const old = await walletAccount(deps, r.oldWallet);
  if (r.sweepTxHash) {
    const resumed = await resumeSweep(deps, r, old, input.actor);
    if (resumed) return resumed;
    // The recorded transfer reverted or can never be mined: its hash is cleared, sweep anew.
    r = await load(deps.db, input.rotationId);
  }
  // The gate closes first: from here the old wallet signs no new payment (rotation-gate.ts), so the
  // open authorizations resolved below are all there will be.
  await closeGate(deps.db, r, input.actor, (deps.now ?? (() => new Date()))());
  try {
    return await signAndSend(deps, r, old, input.actor);
  } catch (error) {
    // Stopped before a transfer was recorded: the old wallet still holds the USDC and pays again.
    const code = (error as { code?: string }).code ?? "error";
    await reopenGate(deps.db, r, input.actor, (deps.now ?? (() => new Date()))(), code);
    throw error;
  }
}

async function signAndSend(
  deps: SweepDeps,
  r: Rotation,
  old: PrivateKeyAccount,
  actor: string,
): Promise<Rotation> {
  await resolveOpenTransactions(
    {
      db: deps.db,
      engine: deps.engine,
      client: deps.publicClient,
      usdcAddress: deps.usdcAddress,
      payerAddress: old.address,
      cancel: {
        account: old,
        rpcUrl: deps.rpcUrl,
        chainId: deps.chainId,
        usdcAddress: deps.usdcAddress,
        usdcName: deps.usdcName,
        usdcVersion: deps.usdcVersion,
      },
    },
    { allOpen: true, cancel: true, staleAfterMs: 0, actor },
  );
  const open = await openOfOldWallet(deps.db, r.oldWallet);
  if (open.length > 0) {
    throw new OperationError(
      "rotation_open_authorizations",
      `${open.length} authorization(s) of the old wallet are still unresolved: settle or cancel them first`,
      { count: open.length, transactionIds: open.slice(0, 20).map((o) => o.id) },
    );
  }
  const balance = await getUsdcBalance(deps.publicClient, deps.usdcAddress, old.address);
  if (balance === 0n) return swept(deps, r, null, 0n, actor);

  const wallet = createWalletClient({ account: old, transport: http(deps.rpcUrl, { timeout: 30_000 }) });
  const request = await wallet.prepareTransactionRequest({
    account: old,
    to: deps.usdcAddress,
    data: encodeFunctionData({
      abi: erc20Abi,
      functionName: "transfer",
      args: [getAddress(r.newWallet), balance],
    }),
    chain: null,
  });
  const raw = await wallet.signTransaction({ ...request, chain: null });
  const hash = keccak256(raw);
  await recordSweep(deps, r, { hash, raw, amount: balance, nonce: request.nonce }, actor);
  await deps.onSweepProgress?.("recorded", hash);
  await broadcast(deps, raw, hash);
  await deps.onSweepProgress?.("sent", hash);
  const done = await settle(deps, r, hash, balance, actor);
  if (done) return done;
  throw new OperationError(
    "rotation_sweep_reverted",
    "the sweep transfer reverted: no USDC moved, sweep again",
    {
      rotationId: r.id,
      txHash: hash,
      amountMicro: balance.toString(),
    },
  );
}

/**
 * The hash (and amount) on the rotation row and an audit row with the signed bytes, committed
 * before the transfer is broadcast. Only a rotation with no sweep recorded takes it: a second
 * sweep running at once finds the first one's hash and refuses.
 */
async function recordSweep(
  deps: SweepDeps,
  r: Rotation,
  sweep: { hash: Hex; raw: Hex; amount: bigint; nonce: number },
  actor: string,
): Promise<void> {
  const now = (deps.now ?? (() => new Date()))();
  await deps.db.transaction(async (tx) => {
    const [row] = await tx
      .update(payerRotations)
      .set({ sweepTxHash: sweep.hash, sweepAmountMicro: sweep.amount, updatedAt: now })
      .where(
        and(
          eq(payerRotations.id, r.id),
          eq(payerRotations.state, "test_paid"),
          isNull(payerRotations.sweepTxHash),
        ),
      )
      .returning({ id: payerRotations.id });
    if (!row) {
      const current = await load(deps.db, r.id);
      expectState(current, "test_paid");
      throw pending(current, current.sweepTxHash as Hex, "another sweep of this rotation was just signed");
    }
    await writeAudit(tx, {
      actor,
      action: SIGNED,
      targetType: "payer_rotation",
      targetId: r.id,
      before: { state: "test_paid", sweepTxHash: null },
      after: {
        state: "test_paid",
        oldWallet: r.oldWallet,
        newWallet: r.newWallet,
        sweepTxHash: sweep.hash,
        sweepAmountMicro: sweep.amount,
        nonce: sweep.nonce,
        // The signed transfer itself (public once broadcast): a retry resends exactly it.
        rawTransaction: sweep.raw,
      },
    });
  });
}

/** Sends the signed transfer. "Already known" or an RPC hiccup is left to the receipt to settle. */
async function broadcast(deps: SweepDeps, raw: Hex, hash: Hex): Promise<void> {
  const wallet = createWalletClient({ transport: http(deps.rpcUrl, { timeout: 30_000 }) });
  try {
    await wallet.sendRawTransaction({ serializedTransaction: raw });
  } catch (error) {
    const known = await receiptOf(deps, hash);
    if (known || (await transactionKnown(deps, hash))) return;
    const short = (error as { shortMessage?: string }).shortMessage ?? "the chain refused it";
    throw new OperationError(
      "rotation_sweep_pending",
      `the sweep transfer ${hash} is recorded but was not accepted by the chain (${short}): sweep again to resend it`,
      { txHash: hash },
    );
  }
}

/** A recorded sweep found by a later call: the chain says what became of it. */
async function resumeSweep(
  deps: SweepDeps,
  r: Rotation,
  old: PrivateKeyAccount,
  actor: string,
): Promise<Rotation | null> {
  const hash = r.sweepTxHash as Hex;
  const amount = r.sweepAmountMicro ?? 0n;
  if (!(await receiptOf(deps, hash)) && !(await transactionKnown(deps, hash))) {
    const signed = await signedSweep(deps.db, r.id, hash);
    const nonceNow = await deps.publicClient.getTransactionCount({
      address: old.address,
      blockTag: "latest",
    });
    if (signed && nonceNow > signed.nonce) {
      // Another transaction of the old wallet took its nonce: this transfer can never be mined.
      await clearSweep(deps, r, hash, actor, "dropped");
      return null;
    }
    if (!signed)
      throw pending(r, hash, "the recorded sweep is unknown to the chain and its signed bytes are missing");
    await broadcast(deps, signed.raw, hash);
  }
  return settle(deps, r, hash, amount, actor);
}

/** Waits for the receipt: success moves the rotation to swept, a revert clears the hash (null). */
async function settle(
  deps: SweepDeps,
  r: Rotation,
  hash: Hex,
  amount: bigint,
  actor: string,
): Promise<Rotation | null> {
  let receipt: TransactionReceipt;
  try {
    receipt = await deps.publicClient.waitForTransactionReceipt({
      hash,
      pollingInterval: 250,
      timeout: deps.sweepReceiptTimeoutMs ?? 120_000,
    });
  } catch (error) {
    if ((error as Error).name !== "WaitForTransactionReceiptTimeoutError") throw error;
    throw pending(r, hash, "the sweep transfer is not mined yet");
  }
  if (receipt.status === "success") return swept(deps, r, hash, amount, actor);
  await clearSweep(deps, r, hash, actor, "reverted");
  return null;
}

/**
 * The USDC has moved: the old wallet's ETH follows it (rotation-gas.ts), so the new payer can pay
 * for on-chain cancels from its first payment; then the rotation is `swept`.
 */
async function swept(deps: SweepDeps, r: Rotation, hash: Hex | null, amount: bigint, actor: string) {
  await moveGas(deps, r, await walletAccount(deps, r.oldWallet), actor);
  const now = (deps.now ?? (() => new Date()))();
  return advance(
    deps,
    r,
    "test_paid",
    "swept",
    { sweepTxHash: hash, sweepAmountMicro: amount, sweptAt: now },
    actor,
  );
}

/** Forgets a recorded sweep that moved nothing and never will, with its audit row. */
async function clearSweep(
  deps: SweepDeps,
  r: Rotation,
  hash: Hex,
  actor: string,
  why: "reverted" | "dropped",
): Promise<void> {
  const now = (deps.now ?? (() => new Date()))();
  await deps.db.transaction(async (tx) => {
    await tx
      .update(payerRotations)
      .set({ sweepTxHash: null, sweepAmountMicro: null, updatedAt: now })
      .where(and(eq(payerRotations.id, r.id), eq(payerRotations.sweepTxHash, hash)));
    await writeAudit(tx, {
      actor,
      action: `payer_rotation.sweep_${why}`,
      targetType: "payer_rotation",
      targetId: r.id,
      before: { state: "test_paid", sweepTxHash: hash, sweepAmountMicro: r.sweepAmountMicro },
      after: { state: "test_paid", sweepTxHash: hash, cleared: true },
    });
  });
}

/** The signed bytes and nonce the audit log kept for `hash`. */
async function signedSweep(db: Database, rotationId: string, hash: Hex) {
  const rows = await db
    .select({ after: auditLog.after })
    .from(auditLog)
    .where(and(eq(auditLog.targetId, rotationId), eq(auditLog.action, SIGNED)))
    .orderBy(desc(auditLog.id))
    .limit(20);
  const row = rows
    .map((r) => r.after as { sweepTxHash?: string; rawTransaction?: Hex; nonce?: number } | null)
    .find((a) => a?.sweepTxHash === hash && a.rawTransaction && typeof a.nonce === "number");
  return row ? { raw: row.rawTransaction as Hex, nonce: row.nonce as number } : null;
}

async function receiptOf(deps: SweepDeps, hash: Hex): Promise<TransactionReceipt | null> {
  try {
    return await deps.publicClient.getTransactionReceipt({ hash });
  } catch (error) {
    if ((error as Error).name === "TransactionReceiptNotFoundError") return null;
    throw error;
  }
}

/** Whether a node holds the transaction (in its mempool or mined). */
async function transactionKnown(deps: SweepDeps, hash: Hex): Promise<boolean> {
  try {
    await deps.publicClient.getTransaction({ hash });
    return true;
  } catch (error) {
    if ((error as Error).name === "TransactionNotFoundError") return false;
    throw error;
  }
}

function pending(r: Rotation, hash: Hex, why: string): OperationError {
  return new OperationError(
    "rotation_sweep_pending",
    `${why}: transfer ${hash}. Sweep again once it is mined; no second transfer is sent`,
    { rotationId: r.id, txHash: hash, amountMicro: r.sweepAmountMicro?.toString() ?? null },
  );
}
