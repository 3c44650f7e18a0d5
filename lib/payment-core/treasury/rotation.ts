import { randomBytes, randomUUID } from "node:crypto";
import { and, desc, eq, inArray } from "drizzle-orm";
import { type Address, getAddress, type Hex, type PublicClient, recoverTypedDataAddress } from "viem";
import { type LocalAccount, type PrivateKeyAccount, privateKeyToAccount } from "viem/accounts";
import { z } from "zod";
import type { Database } from "@/db/client";
import { payerRotations, wallets } from "@/db/schema";
import { writeAudit } from "../audit-log/write";
import type { BudgetEngine } from "../budgets/engine";
import { InvalidInputError, OperationError } from "../support/errors";
import type { PayOutcome, PayRequest } from "../x402/payer";
import { keyRefSchema, resolveKeyRef } from "./key-ref";
import type { OwnerSet } from "./owners";
import { readActivePayer } from "./payer-wallet";
import { proofTypedData } from "./rotation-messages";

export { lastRotationAgeDays } from "./key-age";

/**
 * Rotating the payer key (the seed's procedure) as steps a page or the CLI calls one at a time:
 *   register → prove → approve → test payment → sweep → complete   (or cancel before the sweep).
 * Each step checks the rotation's state, does its work, and moves the row one state on together
 * with its audit row in one transaction; the row is the flow's memory, so a reload resumes it.
 */

export type RotationState = (typeof payerRotations.$inferSelect)["state"];
export type Rotation = typeof payerRotations.$inferSelect;

export interface RotationDeps {
  db: Database;
  now?: () => Date;
  publicClient: PublicClient;
  rpcUrl: string;
  chainId: number;
  network: string;
  usdcAddress: Address;
  usdcName: string;
  usdcVersion: string;
  /** The recorded treasury owners and the quorum now, read when an approval arrives. */
  ownerSet: () => Promise<OwnerSet>;
  /** X402_PAYER_PRIVATE_KEY: the payer a first rotation starts from when no payer wallet is registered. */
  envKey?: Hex;
  /** Where `env:` key references are read (default process.env). */
  environment?: Record<string, string | undefined>;
  engine: BudgetEngine;
  /** A payer signing with `account` (the app's payment config): the test payment goes through it. */
  payerFor(account: LocalAccount): { payForService(req: PayRequest): Promise<PayOutcome> };
  /** Told when the active payer changed, so this process's key cache forgets the old key at once. */
  onPayerChanged?: () => void;
  /** How long an owner has to approve after registration (default 24 h). */
  approvalWindowMs?: number;
}

const OPEN_STATES: RotationState[] = ["registered", "proven", "approved", "test_paid", "swept"];
const hexAddress = z
  .string()
  .trim()
  .regex(/^0x[0-9a-fA-F]{40}$/, "expected a 0x-prefixed 20-byte hex address");
const signature = z
  .string()
  .trim()
  .regex(/^0x[0-9a-fA-F]{130}$/, "expected a 65-byte hex signature");
const lower = (a: string) => a.toLowerCase();
const iso = (d: Date) => d.toISOString();

export const registerInput = z.object({ newAddress: hexAddress, keyRef: keyRefSchema });
export const signatureInput = z.object({ signature });

/** zod's verdict as the codebase's input error: `invalid_rotation_input` with the field and reason. */
export function parseRotationInput<T>(schema: z.ZodType<T>, value: unknown): T {
  const out = schema.safeParse(value);
  if (out.success) return out.data;
  const issue = out.error.issues[0];
  throw new InvalidInputError("invalid_rotation_input", `${issue?.path.join(".")}: ${issue?.message}`, {
    field: issue?.path.join(".") ?? null,
  });
}

export async function load(db: Database, id: string): Promise<Rotation> {
  const [row] = await db.select().from(payerRotations).where(eq(payerRotations.id, id)).limit(1);
  if (!row) throw new OperationError("rotation_not_found", `no rotation ${id}`, { rotationId: id });
  return row;
}

export function expectState(r: Rotation, expected: RotationState): void {
  if (r.state !== expected) {
    throw new OperationError(
      "rotation_wrong_state",
      `rotation ${r.id} is ${r.state}, this step needs ${expected}`,
      {
        rotationId: r.id,
        state: r.state,
        expected,
      },
    );
  }
}

/** Moves `r` from `from` to `to` with `set`, and writes its audit row, in one transaction. */
export async function advance(
  deps: RotationDeps,
  r: Rotation,
  from: RotationState,
  to: RotationState,
  set: Partial<Rotation>,
  actor: string,
  extra?: (tx: Parameters<Parameters<Database["transaction"]>[0]>[0]) => Promise<void>,
): Promise<Rotation> {
  const now = (deps.now ?? (() => new Date()))();
  return deps.db.transaction(async (tx) => {
    const [row] = await tx
      .update(payerRotations)
      .set({ ...set, state: to, updatedAt: now })
      .where(and(eq(payerRotations.id, r.id), eq(payerRotations.state, from)))
      .returning();
    // Another request moved it first (a double click, a second tab): this one changes nothing.
    if (!row) expectState(await load(deps.db, r.id), from);
    await extra?.(tx);
    await writeAudit(tx, {
      actor,
      action: `payer_rotation.${to}`,
      targetType: "payer_rotation",
      targetId: r.id,
      before: { state: from },
      after: { state: to, oldWallet: r.oldWallet, newWallet: r.newWallet, ...set },
    });
    return row as Rotation;
  });
}

/** Where `env:` references are read; the parsed X402_PAYER_PRIVATE_KEY answers its own name. */
function keyEnv(deps: RotationDeps): Record<string, string | undefined> {
  const base = deps.environment ?? process.env;
  return deps.envKey ? { ...base, X402_PAYER_PRIVATE_KEY: deps.envKey } : base;
}

export async function walletAccount(deps: RotationDeps, address: string): Promise<PrivateKeyAccount> {
  const [w] = await deps.db
    .select()
    .from(wallets)
    .where(eq(wallets.address, lower(address)))
    .limit(1);
  if (!w?.keyRef)
    throw new OperationError("rotation_key_missing", `wallet ${address} has no key reference`, {
      wallet: address,
    });
  const account = privateKeyToAccount(await resolveKeyRef(w.keyRef, keyEnv(deps)));
  if (lower(account.address) !== lower(address)) {
    throw new OperationError(
      "rotation_key_mismatch",
      `the key at ${w.keyRef} is not wallet ${address}'s key`,
      {
        wallet: address,
        keyRef: w.keyRef,
        derived: account.address,
      },
    );
  }
  return account;
}

/** The rotation in progress (any state before completed or cancelled), for the page to resume. */
export async function openRotation(db: Database): Promise<Rotation | null> {
  const [row] = await db
    .select()
    .from(payerRotations)
    .where(inArray(payerRotations.state, OPEN_STATES))
    .limit(1);
  return row ?? null;
}

/** Rotations, newest first. */
export async function listRotations(db: Database, limit = 50): Promise<Rotation[]> {
  return db.select().from(payerRotations).orderBy(desc(payerRotations.createdAt)).limit(limit);
}

/** Step 1: the new wallet's address and the reference of its key; the key must derive the address. */
export async function registerRotation(
  deps: RotationDeps,
  input: { newAddress: string; keyRef: string; actor: string },
): Promise<Rotation> {
  const { newAddress, keyRef } = parseRotationInput(registerInput, input);
  const now = (deps.now ?? (() => new Date()))();
  const open = await openRotation(deps.db);
  if (open) {
    throw new OperationError(
      "rotation_in_progress",
      `rotation ${open.id} is ${open.state}: finish or cancel it first`,
      {
        rotationId: open.id,
        state: open.state,
      },
    );
  }
  const current = await readActivePayer(deps.db, deps.envKey, deps.environment);
  if (!current) throw new OperationError("payer_not_configured", "there is no payer wallet to rotate from");
  if (lower(current.address) === lower(newAddress)) {
    throw new OperationError("rotation_same_wallet", "the new wallet is the current payer", {
      wallet: current.address,
    });
  }
  const [known] = await deps.db
    .select()
    .from(wallets)
    .where(eq(wallets.address, lower(newAddress)))
    .limit(1);
  if (known?.retiredAt) {
    throw new OperationError(
      "rotation_wallet_retired",
      "a retired payer wallet cannot become the payer again",
      {
        wallet: getAddress(newAddress),
        retiredAt: iso(known.retiredAt),
      },
    );
  }
  const derived = privateKeyToAccount(await resolveKeyRef(keyRef, keyEnv(deps))).address;
  if (lower(derived) !== lower(newAddress)) {
    throw new OperationError(
      "rotation_key_mismatch",
      `the key at ${keyRef} is not the key of ${newAddress}`,
      {
        newAddress: getAddress(newAddress),
        derived,
        keyRef,
      },
    );
  }
  const id = `rot_${randomUUID().replaceAll("-", "").slice(0, 24)}`;
  // Whole seconds: the EIP-712 deadline is unix seconds and must equal the stored one.
  const deadline = new Date(
    Math.floor((now.getTime() + (deps.approvalWindowMs ?? 86_400_000)) / 1000) * 1000,
  );
  try {
    return await deps.db.transaction(async (tx) => {
      if (current.source === "env") {
        // The env payer becomes a wallet row (its key stays where it is), so the rotation can retire it.
        await tx
          .insert(wallets)
          .values({
            address: lower(current.address),
            label: "payer (X402_PAYER_PRIVATE_KEY)",
            network: deps.network,
            role: "payer",
            active: true,
            keyRef: "env:X402_PAYER_PRIVATE_KEY",
            createdAt: now,
          })
          .onConflictDoNothing();
      }
      await tx
        .insert(wallets)
        .values({
          address: lower(newAddress),
          label: "payer (rotation)",
          network: deps.network,
          role: "payer",
          active: false,
          keyRef,
          createdAt: now,
        })
        .onConflictDoUpdate({ target: wallets.address, set: { keyRef } });
      const [inserted] = await tx
        .insert(payerRotations)
        .values({
          id,
          oldWallet: lower(current.address),
          newWallet: lower(newAddress),
          nonce: `0x${randomBytes(32).toString("hex")}`,
          deadline,
          network: deps.network,
          createdBy: input.actor,
          createdAt: now,
          updatedAt: now,
        })
        .returning();
      const row = inserted as Rotation;
      await writeAudit(tx, {
        actor: input.actor,
        action: "payer_rotation.registered",
        targetType: "payer_rotation",
        targetId: id,
        after: { oldWallet: row.oldWallet, newWallet: row.newWallet, keyRef, deadline: iso(deadline) },
      });
      return row;
    });
  } catch (error) {
    // The partial unique index: a concurrent registration won.
    if (
      (error as { cause?: { code?: string } }).cause?.code === "23505" ||
      (error as { code?: string }).code === "23505"
    ) {
      const winner = await openRotation(deps.db);
      throw new OperationError("rotation_in_progress", "another rotation was registered at the same time", {
        rotationId: winner?.id ?? null,
        state: winner?.state ?? null,
      });
    }
    throw error;
  }
}

/** The proof signature the new wallet's key makes (the CLI and the demo; a page sends its own). */
export async function signProof(deps: RotationDeps, rotationId: string): Promise<Hex> {
  const r = await load(deps.db, rotationId);
  const account = await walletAccount(deps, r.newWallet);
  return account.signTypedData(proofTypedData(r, deps.chainId));
}

/** Step 2: the new wallet signs ProvePayerControl { wallet, rotationId, nonce }. */
export async function proveRotation(
  deps: RotationDeps,
  input: { rotationId: string; signature: string; actor: string },
): Promise<Rotation> {
  const { signature: sig } = parseRotationInput(signatureInput, input);
  const r = await load(deps.db, input.rotationId);
  expectState(r, "registered");
  const recovered = await recoverTypedDataAddress({
    ...proofTypedData(r, deps.chainId),
    signature: sig as Hex,
  }).catch(() => null);
  if (!recovered || lower(recovered) !== r.newWallet) {
    throw new OperationError("rotation_proof_invalid", "the proof is not signed by the new wallet", {
      expectedSigner: getAddress(r.newWallet),
      recoveredSigner: recovered,
    });
  }
  const now = (deps.now ?? (() => new Date()))();
  return advance(deps, r, "registered", "proven", { proofSignature: sig, provenAt: now }, input.actor);
}
