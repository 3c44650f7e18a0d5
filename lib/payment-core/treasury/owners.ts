import { and, asc, eq, isNull, sql } from "drizzle-orm";
import { type Address, getAddress, isAddress, zeroAddress } from "viem";
import { privateKeyToAddress } from "viem/accounts";
import { z } from "zod";
import type { Database } from "@/db/client";
import { treasuryOwners, wallets } from "@/db/schema";
import { isoMs } from "@/db/sql";
import { writeAudit } from "../audit";
import type { PaymentEnv } from "../config";
import { InvalidInputError, OperationError } from "../errors";

/**
 * Treasury owners: the wallets whose EIP-712 signature approves a payer-key rotation. They are
 * X402_TREASURY_OWNERS (source "env": changed only by changing the environment) together with the
 * owners an admin added in the console or the CLI (source "console", soft-deleted on removal so
 * the history stays). A rotation's approval reads them at approval time (`effectiveOwners`), so an
 * owner added or removed a moment ago counts at once in every process.
 */

export type OwnerSource = "env" | "console";

export interface TreasuryOwner {
  /** Checksummed. */
  address: Address;
  label: string | null;
  source: OwnerSource;
  /** Who added it and when (UTC ISO, milliseconds); null for an env owner. */
  addedBy: string | null;
  addedAt: string | null;
}

export interface OwnerDeps {
  db: Database;
  /** X402_TREASURY_OWNERS, checksummed. */
  envOwners: readonly Address[];
  /** The payer the process signs with when no payer wallet is registered (X402_WALLET_ADDRESS). */
  envPayer?: Address;
  now?: () => Date;
}

const lower = (a: string) => a.toLowerCase();

/** The deps from the process's configuration (the console's actions and the CLI alike). */
export function ownerDeps(
  db: Database,
  config: {
    treasuryOwners: readonly Address[];
    payments: Pick<PaymentEnv, "walletAddress" | "payerPrivateKey">;
  },
): OwnerDeps {
  const p = config.payments;
  const envPayer =
    p.walletAddress ?? (p.payerPrivateKey ? privateKeyToAddress(p.payerPrivateKey) : undefined);
  return { db, envOwners: config.treasuryOwners, envPayer };
}

/** A 0x 20-byte hex address; a mixed-case one must carry a valid EIP-55 checksum (a typo is refused). */
export const ownerAddress = z
  .string({ error: "enter a 0x address" })
  .trim()
  // One reason per address, the first that applies (zod would run every check and list them all).
  .superRefine((a, ctx) => {
    const problem = !/^0x[0-9a-fA-F]{40}$/.test(a)
      ? "expected a 0x-prefixed 20-byte hex address"
      : !isAddress(a)
        ? "the address's mixed-case checksum is wrong"
        : lower(a) === zeroAddress
          ? "the zero address cannot sign an approval"
          : null;
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });

export const addOwnerInput = z.object({
  address: ownerAddress,
  label: z.preprocess(
    (v) => (typeof v === "string" && v.trim() === "" ? undefined : v),
    z.string().trim().max(100, "keep the label to at most 100 characters").optional(),
  ),
});
export const removeOwnerInput = z.object({ address: ownerAddress });

/** zod's verdict as the codebase's input error: `invalid_treasury_owner` with the field and reason. */
function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  const out = schema.safeParse(value);
  if (out.success) return out.data;
  const issue = out.error.issues[0];
  const field = issue?.path.join(".") || "input";
  throw new InvalidInputError("invalid_treasury_owner", `${field}: ${issue?.message}`, { field });
}

type OwnerRow = typeof treasuryOwners.$inferSelect;

function fromRow(row: OwnerRow): TreasuryOwner {
  return {
    address: getAddress(row.address),
    label: row.label,
    source: "console",
    addedBy: row.addedBy,
    addedAt: isoMs(row.addedAt),
  };
}

async function activeRows(db: Database): Promise<OwnerRow[]> {
  return db
    .select()
    .from(treasuryOwners)
    .where(isNull(treasuryOwners.removedAt))
    .orderBy(asc(treasuryOwners.addedAt), asc(treasuryOwners.id));
}

/** Every owner: the environment's first, then the console's, oldest first. */
export async function listOwners(db: Database, envOwners: readonly Address[]): Promise<TreasuryOwner[]> {
  const fromEnv: TreasuryOwner[] = envOwners.map((a) => ({
    address: getAddress(a),
    label: null,
    source: "env",
    addedBy: null,
    addedAt: null,
  }));
  return [...fromEnv, ...(await activeRows(db)).map(fromRow)];
}

/** The addresses whose approval counts now: env ∪ active console owners, checksummed, once each. */
export async function effectiveOwners(db: Database, envOwners: readonly Address[]): Promise<Address[]> {
  const all = [...envOwners, ...(await activeRows(db)).map((r) => r.address)].map((a) => getAddress(a));
  return [...new Set(all)];
}

/** An owner that is a payer would approve the rotation of its own key. */
async function refusePayer(deps: OwnerDeps, address: string): Promise<void> {
  const [payer] = await deps.db
    .select({ address: wallets.address, active: wallets.active, retiredAt: wallets.retiredAt })
    .from(wallets)
    .where(and(eq(wallets.address, lower(address)), eq(wallets.role, "payer")))
    .limit(1);
  const isEnvPayer = deps.envPayer !== undefined && lower(deps.envPayer) === lower(address);
  if (payer || isEnvPayer) {
    throw new OperationError(
      "treasury_owner_is_payer",
      "a payer wallet cannot be a treasury owner: it would approve the rotation of its own key",
      {
        address: getAddress(address),
        payer: payer ? (payer.active ? "active" : payer.retiredAt ? "retired" : "registered") : "env",
      },
    );
  }
}

function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: string; cause?: { code?: string } };
  return e.code === "23505" || e.cause?.code === "23505";
}

/** Adds a console owner, with its audit row in the same transaction. */
export async function addOwner(
  deps: OwnerDeps,
  input: { address: string; label?: string | null; actor: string },
): Promise<TreasuryOwner> {
  const { address, label } = parse(addOwnerInput, {
    address: input.address,
    label: input.label ?? undefined,
  });
  const checksummed = getAddress(address);
  if (deps.envOwners.some((o) => lower(o) === lower(address))) {
    throw new OperationError(
      "treasury_owner_exists",
      `${checksummed} is already an owner (X402_TREASURY_OWNERS)`,
      {
        address: checksummed,
        source: "env",
      },
    );
  }
  await refusePayer(deps, address);
  const now = (deps.now ?? (() => new Date()))();
  try {
    return await deps.db.transaction(async (tx) => {
      const [row] = await tx
        .insert(treasuryOwners)
        .values({ address: lower(address), label: label ?? null, addedBy: input.actor, addedAt: now })
        .returning();
      const owner = fromRow(row as OwnerRow);
      await writeAudit(tx, {
        actor: input.actor,
        action: "treasury_owner.add",
        targetType: "treasury_owner",
        targetId: owner.address,
        after: { address: owner.address, label: owner.label },
      });
      return owner;
    });
  } catch (error) {
    // The partial unique index: the address is an active owner already (or was added concurrently).
    if (!isUniqueViolation(error)) throw error;
    const [existing] = await deps.db
      .select()
      .from(treasuryOwners)
      .where(and(eq(treasuryOwners.address, lower(address)), isNull(treasuryOwners.removedAt)))
      .limit(1);
    throw new OperationError("treasury_owner_exists", `${checksummed} is already an owner`, {
      address: checksummed,
      source: "console",
      addedBy: existing?.addedBy ?? null,
      addedAt: existing ? isoMs(existing.addedAt) : null,
    });
  }
}

/** Removes a console owner (a soft delete), with its audit row in the same transaction. */
export async function removeOwner(
  deps: OwnerDeps,
  input: { address: string; actor: string },
): Promise<TreasuryOwner> {
  const { address } = parse(removeOwnerInput, { address: input.address });
  const checksummed = getAddress(address);
  const now = (deps.now ?? (() => new Date()))();
  return deps.db.transaction(async (tx) => {
    const [row] = await tx
      .update(treasuryOwners)
      .set({ removedAt: now, removedBy: input.actor })
      .where(and(eq(treasuryOwners.address, lower(address)), isNull(treasuryOwners.removedAt)))
      .returning();
    if (!row) {
      if (deps.envOwners.some((o) => lower(o) === lower(address))) {
        throw new OperationError(
          "treasury_owner_from_env",
          `${checksummed} is in X402_TREASURY_OWNERS: remove it from the environment and restart`,
          { address: checksummed, source: "env" },
        );
      }
      throw new OperationError("treasury_owner_not_found", `${checksummed} is not a treasury owner`, {
        address: checksummed,
      });
    }
    const owner = fromRow(row);
    await writeAudit(tx, {
      actor: input.actor,
      action: "treasury_owner.remove",
      targetType: "treasury_owner",
      targetId: owner.address,
      before: { address: owner.address, label: owner.label, addedBy: owner.addedBy, addedAt: owner.addedAt },
      after: { removedAt: isoMs(now) },
    });
    return owner;
  });
}

/** Console owners removed so far, newest removal first (the history the soft delete keeps). */
export async function removedOwners(
  db: Database,
  limit = 50,
): Promise<(TreasuryOwner & { removedBy: string; removedAt: string })[]> {
  const rows = await db
    .select()
    .from(treasuryOwners)
    .where(sql`${treasuryOwners.removedAt} IS NOT NULL`)
    .orderBy(sql`${treasuryOwners.removedAt} DESC`, sql`${treasuryOwners.id} DESC`)
    .limit(limit);
  return rows.map((r) => ({
    ...fromRow(r),
    removedBy: r.removedBy ?? "",
    removedAt: isoMs(r.removedAt ?? r.addedAt),
  }));
}
