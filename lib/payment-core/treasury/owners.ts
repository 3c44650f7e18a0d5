import { and, asc, eq, isNull, sql } from "drizzle-orm";
import { type Address, getAddress, isAddress, zeroAddress } from "viem";
import { privateKeyToAddress } from "viem/accounts";
import { z } from "zod";
import type { Database } from "@/db/client";
import { settings, treasuryOwners, wallets } from "@/db/schema";
import { type DbOrTx, isoMs } from "@/db/sql";
import { writeAudit } from "../audit-log/write";
import type { PaymentEnv } from "../support/config";
import { InvalidInputError, OperationError } from "../support/errors";

/**
 * Treasury owners: the wallets whose EIP-712 signatures, a quorum of them, approve a payer-key
 * rotation and every change of the owners themselves (owner-proposals.ts).
 *
 * X402_TREASURY_OWNERS is the initial set only: the first process that finds no owner set ever
 * recorded writes it into treasury_owners (source "env") and marks it recorded (the settings row
 * `treasury_owners_initial`). From then on the recorded set is the only source the console and the
 * CLI read; a later change of the variable changes nothing (`recordInitialOwners` says so).
 * The quorum is X402_TREASURY_QUORUM, or by default 2 when there are two owners or more, else 1.
 */

export type OwnerSource = "env" | "proposal" | "console";

export interface TreasuryOwner {
  /** Checksummed. */
  address: Address;
  label: string | null;
  source: OwnerSource;
  /** Who added (proposed) it: a console user, a CLI actor, or "X402_TREASURY_OWNERS". */
  addedBy: string;
  /** UTC ISO, milliseconds. */
  addedAt: string;
  /** The proposal whose quorum added it, if any. */
  proposalId: string | null;
}

/** What the process was configured with: the initial owners and the quorum (both from the environment). */
export interface OwnerConfig {
  /** X402_TREASURY_OWNERS, checksummed: recorded once, when no owner set was ever recorded. */
  treasuryOwners: readonly Address[];
  /** X402_TREASURY_QUORUM; undefined: the default (2 with two owners or more, else 1). */
  treasuryQuorum?: number;
}

export interface OwnerDeps {
  db: Database;
  config: OwnerConfig;
  /** The payer the process signs with when no payer wallet is registered (X402_WALLET_ADDRESS). */
  envPayer?: Address;
  /** The configured network's chain id: owner signatures are made for it. */
  chainId: number;
  now?: () => Date;
  /** How long owners have to sign a proposal (default 72 h). */
  proposalWindowMs?: number;
}

/** The owners whose signatures count now, and how many of them must sign. */
export interface OwnerSet {
  owners: Address[];
  quorum: number;
}

export const INITIAL_OWNERS_KEY = "treasury_owners_initial";
export const ENV_ACTOR = "X402_TREASURY_OWNERS";

const lower = (a: string) => a.toLowerCase();

/** The deps from the process's configuration (the console's actions and the CLI alike). */
export function ownerDeps(
  db: Database,
  config: OwnerConfig & { payments: Pick<PaymentEnv, "walletAddress" | "payerPrivateKey" | "chainId"> },
): OwnerDeps {
  const p = config.payments;
  const envPayer =
    p.walletAddress ?? (p.payerPrivateKey ? privateKeyToAddress(p.payerPrivateKey) : undefined);
  return {
    db,
    config: { treasuryOwners: config.treasuryOwners, treasuryQuorum: config.treasuryQuorum },
    envPayer,
    chainId: p.chainId,
  };
}

/** The quorum for `ownerCount` owners: the configured one, or 2 with two owners or more, else 1. */
export function quorumFor(ownerCount: number, configured?: number): number {
  return configured ?? (ownerCount >= 2 ? 2 : 1);
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

export const ownerLabel = z.preprocess(
  (v) => (typeof v === "string" && v.trim() === "" ? undefined : v),
  z.string().trim().max(100, "keep the label to at most 100 characters").optional(),
);

/** zod's verdict as the codebase's input error: `invalid_treasury_owner` with the field and reason. */
export function parseOwnerInput<T>(schema: z.ZodType<T>, value: unknown): T {
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
    source: row.source as OwnerSource,
    addedBy: row.addedBy,
    addedAt: isoMs(row.addedAt),
    proposalId: row.addedByProposal,
  };
}

async function activeRows(db: DbOrTx): Promise<OwnerRow[]> {
  return db
    .select()
    .from(treasuryOwners)
    .where(isNull(treasuryOwners.removedAt))
    .orderBy(asc(treasuryOwners.addedAt), asc(treasuryOwners.id));
}

/** The recorded owners, oldest first (the initial set, then those proposals added). */
export async function listOwners(db: DbOrTx): Promise<TreasuryOwner[]> {
  return (await activeRows(db)).map(fromRow);
}

/** The recorded owners' addresses, checksummed, oldest first. */
export async function currentOwners(db: DbOrTx): Promise<Address[]> {
  return (await activeRows(db)).map((r) => getAddress(r.address));
}

/** The owners that count now and the quorum over them (read per use, so every process agrees). */
export async function readOwnerSet(db: DbOrTx, config: OwnerConfig): Promise<OwnerSet> {
  const owners = await currentOwners(db);
  return { owners, quorum: quorumFor(owners.length, config.treasuryQuorum) };
}

export interface InitialOwnersOutcome {
  /** True when this call wrote the initial set. */
  recorded: boolean;
  /** Set when X402_TREASURY_OWNERS no longer matches the set recorded from it: it changes nothing. */
  warning: string | null;
}

const sameSet = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && [...a].map(lower).sort().join() === [...b].map(lower).sort().join();

/**
 * Records X402_TREASURY_OWNERS as the initial owner set, once: only when no set was ever recorded
 * (no `treasury_owners_initial` settings row) and the variable names at least one owner. Under one
 * transaction-scoped advisory lock, so two processes starting at once record it once. Owners that
 * are already active (added before this version) are kept as they are.
 */
export async function recordInitialOwners(
  db: Database,
  config: OwnerConfig,
  now: Date = new Date(),
): Promise<InitialOwnersOutcome> {
  const envOwners = config.treasuryOwners.map((a) => getAddress(a));
  const recordedRow = async (d: DbOrTx) =>
    (await d.select().from(settings).where(eq(settings.key, INITIAL_OWNERS_KEY)).limit(1))[0];
  const existing = await recordedRow(db);
  let recorded = false;
  if (!existing && envOwners.length > 0) {
    recorded = await db.transaction(async (tx) => {
      await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtext(${INITIAL_OWNERS_KEY}))`);
      if (await recordedRow(tx)) return false;
      const active = new Set((await activeRows(tx)).map((r) => r.address));
      const fresh = envOwners.filter((a) => !active.has(lower(a)));
      if (fresh.length > 0) {
        await tx.insert(treasuryOwners).values(
          fresh.map((a) => ({
            address: lower(a),
            label: null,
            source: "env",
            addedBy: ENV_ACTOR,
            addedAt: now,
          })),
        );
      }
      await tx.insert(settings).values({
        key: INITIAL_OWNERS_KEY,
        value: { owners: envOwners, recordedAt: isoMs(now) },
        updatedBy: ENV_ACTOR,
        updatedAt: now,
      });
      await writeAudit(tx, {
        actor: ENV_ACTOR,
        action: "treasury_owner.initial_set",
        targetType: "treasury_owner",
        targetId: null,
        after: { owners: envOwners, quorum: quorumFor(envOwners.length, config.treasuryQuorum) },
      });
      return true;
    });
  }
  if (recorded) return { recorded, warning: null };
  const current = await currentOwners(db);
  const warning =
    envOwners.length > 0 && !sameSet(envOwners, current) && (existing || current.length > 0)
      ? `X402_TREASURY_OWNERS (${envOwners.join(", ")}) differs from the recorded treasury owners (${current.join(", ") || "none"}): the variable was the initial set only and changes nothing now; add or remove owners with a proposal that a quorum of owners signs (/treasury/owners, x402 treasury owners propose-add|propose-remove)`
      : null;
  return { recorded: false, warning };
}

/** The owner set after recording the initial one if it never was: what every check reads. */
export async function ensureOwnerSet(db: Database, config: OwnerConfig, now?: Date): Promise<OwnerSet> {
  await recordInitialOwners(db, config, now);
  return readOwnerSet(db, config);
}

/** An owner that is a payer would approve the rotation of its own key. */
export async function refusePayer(deps: OwnerDeps, db: DbOrTx, address: string): Promise<void> {
  const [payer] = await db
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

/** Refuses adding an address that is already an owner. */
export async function refuseExisting(db: DbOrTx, address: string): Promise<void> {
  const [existing] = await db
    .select()
    .from(treasuryOwners)
    .where(and(eq(treasuryOwners.address, lower(address)), isNull(treasuryOwners.removedAt)))
    .limit(1);
  if (existing) {
    throw new OperationError("treasury_owner_exists", `${getAddress(address)} is already an owner`, {
      address: getAddress(address),
      source: existing.source,
      addedBy: existing.addedBy,
      addedAt: isoMs(existing.addedAt),
    });
  }
}

/** Refuses removing an address that is not an owner, or a removal that leaves fewer owners than the quorum. */
export async function refuseRemoval(db: DbOrTx, config: OwnerConfig, address: string): Promise<void> {
  const owners = await currentOwners(db);
  const checksummed = getAddress(address);
  if (!owners.some((o) => lower(o) === lower(address))) {
    throw new OperationError("treasury_owner_not_found", `${checksummed} is not a treasury owner`, {
      address: checksummed,
    });
  }
  const quorum = quorumFor(owners.length, config.treasuryQuorum);
  const remaining = owners.length - 1;
  if (remaining < quorum) {
    throw new OperationError(
      "treasury_owner_below_quorum",
      `removing ${checksummed} would leave ${remaining} owner(s), fewer than the quorum of ${quorum}: add an owner first`,
      { address: checksummed, owners: owners.length, remaining, quorum },
    );
  }
}

/** Adds an owner inside the enacting transaction (the caller holds the proposal's lock). */
export async function insertOwner(
  tx: DbOrTx,
  row: { address: string; label: string | null; addedBy: string; proposalId: string; now: Date },
): Promise<TreasuryOwner> {
  const [inserted] = await tx
    .insert(treasuryOwners)
    .values({
      address: lower(row.address),
      label: row.label,
      source: "proposal",
      addedBy: row.addedBy,
      addedAt: row.now,
      addedByProposal: row.proposalId,
    })
    .returning();
  return fromRow(inserted as OwnerRow);
}

/** Removes an owner (a soft delete) inside the enacting transaction. */
export async function softRemoveOwner(
  tx: DbOrTx,
  row: { address: string; removedBy: string; proposalId: string; now: Date },
): Promise<TreasuryOwner | null> {
  const [removed] = await tx
    .update(treasuryOwners)
    .set({ removedAt: row.now, removedBy: row.removedBy, removedByProposal: row.proposalId })
    .where(and(eq(treasuryOwners.address, lower(row.address)), isNull(treasuryOwners.removedAt)))
    .returning();
  return removed ? fromRow(removed) : null;
}

/** Owners removed so far, newest removal first (the history the soft delete keeps). */
export async function removedOwners(
  db: DbOrTx,
  limit = 50,
): Promise<(TreasuryOwner & { removedBy: string; removedAt: string; removedByProposal: string | null })[]> {
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
    removedByProposal: r.removedByProposal,
  }));
}
