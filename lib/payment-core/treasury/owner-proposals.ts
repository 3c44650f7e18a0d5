import { randomBytes, randomUUID } from "node:crypto";
import { asc, desc, eq, inArray, sql } from "drizzle-orm";
import { type Address, getAddress, type Hex } from "viem";
import { z } from "zod";
import { treasuryOwnerProposals, treasuryOwnerSignatures } from "@/db/schema";
import { type DbOrTx, isoMs } from "@/db/sql";
import { writeAudit } from "../audit-log/write";
import { OperationError } from "../support/errors";
import { recoverOwnerSigner } from "./owner-signatures";
import {
  currentOwners,
  ensureOwnerSet,
  insertOwner,
  type OwnerConfig,
  type OwnerDeps,
  ownerAddress,
  ownerLabel,
  parseOwnerInput,
  quorumFor,
  refuseExisting,
  refusePayer,
  refuseRemoval,
  softRemoveOwner,
  type TreasuryOwner,
} from "./owners";
import { ownerChangeTypedData } from "./rotation-messages";

/**
 * Changing the owner set: a console admin (or the CLI) proposes adding or removing one address;
 * owners sign ChangeTreasuryOwner { action, owner, nonce, deadline } in their wallets; the
 * signature that brings the count of distinct current owners to the quorum enacts the change in
 * its own transaction, with its audit rows. An admin alone proposes and nothing more.
 */

export type OwnerChangeAction = "add" | "remove";
export type ProposalRow = typeof treasuryOwnerProposals.$inferSelect;

/** Serialises every enactment (and the approvals that read the set): two removals cannot both pass the quorum check. */
export const OWNER_SET_LOCK = "treasury_owner_set";

export const proposeInput = z.object({
  action: z.enum(["add", "remove"], { error: "the action is add or remove" }),
  address: ownerAddress,
  label: ownerLabel,
});
export const proposalSignatureInput = z.object({
  proposalId: z.string().trim().min(1, "name the proposal").max(64),
  signature: z
    .string()
    .trim()
    .regex(/^0x[0-9a-fA-F]{130}$/, "expected a 65-byte hex signature"),
});

const lower = (a: string) => a.toLowerCase();

export interface ProposalView {
  id: string;
  action: OwnerChangeAction;
  address: Address;
  label: string | null;
  nonce: string;
  deadline: string;
  /** "open" (collecting signatures), "expired" (the deadline passed first) or "enacted". */
  status: "open" | "expired" | "enacted";
  proposedBy: string;
  proposedAt: string;
  enactedAt: string | null;
  signatures: { signer: Address; submittedBy: string; signedAt: string }[];
  /** Distinct current owners who signed, of the quorum they need. */
  signed: number;
  quorum: number;
  /** The typed data an owner signs (null once enacted). */
  toSign: ReturnType<typeof ownerChangeTypedData> | null;
}

function now(deps: OwnerDeps): Date {
  return (deps.now ?? (() => new Date()))();
}

async function checkChange(deps: OwnerDeps, db: DbOrTx, action: string, address: string): Promise<void> {
  if (action === "add") {
    await refuseExisting(db, address);
    await refusePayer(deps, db, address);
  } else {
    await refuseRemoval(db, deps.config, address);
  }
}

/** Proposes an owner change (audited); owners then sign it. Refusals are checked now and again at enactment. */
export async function proposeOwnerChange(
  deps: OwnerDeps,
  input: { action: string; address: string; label?: string | null; actor: string },
): Promise<ProposalRow> {
  const { action, address, label } = parseOwnerInput(proposeInput, {
    action: input.action,
    address: input.address,
    label: input.label ?? undefined,
  });
  const set = await ensureOwnerSet(deps.db, deps.config, now(deps));
  if (set.owners.length === 0) {
    throw new OperationError(
      "treasury_no_owners",
      "no treasury owner is recorded, so nobody could sign: set X402_TREASURY_OWNERS and restart (it is recorded once, as the initial set)",
      { owners: 0 },
    );
  }
  await checkChange(deps, deps.db, action, address);
  const at = now(deps);
  // Whole seconds: the EIP-712 deadline is unix seconds and must equal the stored one.
  const deadline = new Date(
    Math.floor((at.getTime() + (deps.proposalWindowMs ?? 72 * 3_600_000)) / 1000) * 1000,
  );
  const id = `top_${randomUUID().replaceAll("-", "").slice(0, 24)}`;
  return deps.db.transaction(async (tx) => {
    const [row] = await tx
      .insert(treasuryOwnerProposals)
      .values({
        id,
        action,
        address: lower(address),
        label: action === "add" ? (label ?? null) : null,
        nonce: `0x${randomBytes(32).toString("hex")}`,
        deadline,
        proposedBy: input.actor,
        proposedAt: at,
      })
      .returning();
    const proposal = row as ProposalRow;
    await writeAudit(tx, {
      actor: input.actor,
      action: "treasury_owner.proposed",
      targetType: "treasury_owner_proposal",
      targetId: id,
      after: {
        action,
        address: getAddress(address),
        label: proposal.label,
        deadline: isoMs(deadline),
        owners: set.owners,
        quorum: set.quorum,
      },
    });
    return proposal;
  });
}

export interface SignOutcome {
  proposal: ProposalRow;
  signer: Address;
  /** Distinct current owners who signed so far, and the quorum. */
  signed: number;
  quorum: number;
  /** The owner added or removed when this signature reached the quorum. */
  enacted: TreasuryOwner | null;
}

/**
 * An owner's signature of a proposal. Refused: a replayed signature, an expired proposal, a
 * signer who is not a current owner, a signature for another chain, a second signature by the
 * same owner, and a proposal already enacted. The signature that reaches the quorum enacts.
 */
export async function signOwnerProposal(
  deps: OwnerDeps,
  input: { proposalId: string; signature: string; actor: string },
): Promise<SignOutcome> {
  const { proposalId, signature } = parseOwnerInput(proposalSignatureInput, input);
  const sig = lower(signature) as Hex;
  const at = now(deps);
  await ensureOwnerSet(deps.db, deps.config, at);
  return deps.db.transaction(async (tx) => {
    await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtext(${OWNER_SET_LOCK}))`);
    const [p] = await tx
      .select()
      .from(treasuryOwnerProposals)
      .where(eq(treasuryOwnerProposals.id, proposalId))
      .for("update");
    if (!p) {
      throw new OperationError("owner_proposal_not_found", `no owner proposal ${proposalId}`, {
        proposalId,
      });
    }
    const [used] = await tx
      .select({ proposalId: treasuryOwnerSignatures.proposalId, signer: treasuryOwnerSignatures.signer })
      .from(treasuryOwnerSignatures)
      .where(eq(treasuryOwnerSignatures.signature, sig))
      .limit(1);
    if (used) {
      throw new OperationError(
        "owner_change_replayed",
        `this signature was already used for proposal ${used.proposalId}`,
        { usedBy: used.proposalId, signer: getAddress(used.signer) },
      );
    }
    if (p.state !== "open") {
      throw new OperationError("owner_proposal_closed", `proposal ${p.id} was already enacted`, {
        proposalId: p.id,
        state: p.state,
        enactedAt: p.enactedAt ? isoMs(p.enactedAt) : null,
      });
    }
    if (at.getTime() > p.deadline.getTime()) {
      throw new OperationError(
        "owner_change_expired",
        "the proposal's deadline has passed: propose the change again",
        { proposalId: p.id, deadline: isoMs(p.deadline), now: isoMs(at) },
      );
    }
    const owners = await currentOwners(tx);
    const signer = await recoverOwnerSigner(
      (chainId) => ownerChangeTypedData(p, chainId),
      sig,
      deps.chainId,
      owners,
      {
        wrongChain: "owner_change_wrong_chain",
        notOwner: "owner_change_signer_not_owner",
        notOwnerMessage: "the signature is not a treasury owner's (over this proposal)",
      },
    );
    const earlier = await signaturesOf(tx, [p.id]);
    const mine = earlier.find((s) => s.signer === lower(signer));
    if (mine) {
      throw new OperationError(
        "owner_change_duplicate_signer",
        `${signer} already signed proposal ${p.id}: another owner must sign`,
        { proposalId: p.id, signer, signedAt: isoMs(mine.signedAt) },
      );
    }
    await tx.insert(treasuryOwnerSignatures).values({
      proposalId: p.id,
      signer: lower(signer),
      signature: sig,
      submittedBy: input.actor,
      signedAt: at,
    });
    const ownerSet = new Set(owners.map(lower));
    const signers = [...earlier.map((s) => s.signer), lower(signer)].filter((s) => ownerSet.has(s));
    const quorum = quorumFor(owners.length, deps.config.treasuryQuorum);
    await writeAudit(tx, {
      actor: input.actor,
      action: "treasury_owner.signed",
      targetType: "treasury_owner_proposal",
      targetId: p.id,
      after: { signer, action: p.action, address: getAddress(p.address), signed: signers.length, quorum },
    });
    if (signers.length < quorum) {
      return { proposal: p, signer, signed: signers.length, quorum, enacted: null };
    }
    // The quorum is reached: check the change against the set as it is now, then enact it here.
    await checkChange(deps, tx, p.action, p.address);
    const enacted =
      p.action === "add"
        ? await insertOwner(tx, {
            address: p.address,
            label: p.label,
            addedBy: p.proposedBy,
            proposalId: p.id,
            now: at,
          })
        : await softRemoveOwner(tx, {
            address: p.address,
            removedBy: p.proposedBy,
            proposalId: p.id,
            now: at,
          });
    const [closed] = await tx
      .update(treasuryOwnerProposals)
      .set({ state: "enacted", enactedAt: at })
      .where(eq(treasuryOwnerProposals.id, p.id))
      .returning();
    const signersChecksummed = signers.map((s) => getAddress(s));
    const after = await currentOwners(tx);
    await writeAudit(tx, {
      actor: input.actor,
      action: p.action === "add" ? "treasury_owner.add" : "treasury_owner.remove",
      targetType: "treasury_owner",
      targetId: getAddress(p.address),
      before: { owners },
      after: {
        address: getAddress(p.address),
        label: p.label,
        proposalId: p.id,
        proposedBy: p.proposedBy,
        signers: signersChecksummed,
        quorum,
        owners: after,
        quorumNow: quorumFor(after.length, deps.config.treasuryQuorum),
      },
    });
    return { proposal: closed as ProposalRow, signer, signed: signers.length, quorum, enacted };
  });
}

async function signaturesOf(db: DbOrTx, ids: string[]) {
  if (ids.length === 0) return [];
  return db
    .select()
    .from(treasuryOwnerSignatures)
    .where(inArray(treasuryOwnerSignatures.proposalId, ids))
    .orderBy(asc(treasuryOwnerSignatures.signedAt));
}

/** Proposals, newest first, with their signatures so far and what an owner signs. */
export async function listProposals(
  db: DbOrTx,
  config: OwnerConfig,
  chainId: number,
  at: Date = new Date(),
  limit = 50,
): Promise<ProposalView[]> {
  const rows = await db
    .select()
    .from(treasuryOwnerProposals)
    .orderBy(desc(treasuryOwnerProposals.proposedAt), desc(treasuryOwnerProposals.id))
    .limit(limit);
  const [sigs, owners] = await Promise.all([
    signaturesOf(
      db,
      rows.map((r) => r.id),
    ),
    currentOwners(db),
  ]);
  const ownerSet = new Set(owners.map(lower));
  const quorum = quorumFor(owners.length, config.treasuryQuorum);
  return rows.map((p) => {
    const mine = sigs.filter((s) => s.proposalId === p.id);
    const status =
      p.state === "enacted" ? "enacted" : at.getTime() > p.deadline.getTime() ? "expired" : "open";
    return {
      id: p.id,
      action: p.action as OwnerChangeAction,
      address: getAddress(p.address),
      label: p.label,
      nonce: p.nonce,
      deadline: isoMs(p.deadline),
      status,
      proposedBy: p.proposedBy,
      proposedAt: isoMs(p.proposedAt),
      enactedAt: p.enactedAt ? isoMs(p.enactedAt) : null,
      signatures: mine.map((s) => ({
        signer: getAddress(s.signer),
        submittedBy: s.submittedBy,
        signedAt: isoMs(s.signedAt),
      })),
      signed: mine.filter((s) => ownerSet.has(s.signer)).length,
      quorum,
      toSign: p.state === "enacted" ? null : ownerChangeTypedData(p, chainId),
    };
  });
}

/** One proposal (not found: `owner_proposal_not_found`). */
export async function getProposal(db: DbOrTx, id: string): Promise<ProposalRow> {
  const [p] = await db.select().from(treasuryOwnerProposals).where(eq(treasuryOwnerProposals.id, id));
  if (!p) throw new OperationError("owner_proposal_not_found", `no owner proposal ${id}`, { proposalId: id });
  return p;
}
