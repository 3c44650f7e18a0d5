import { and, asc, eq, sql } from "drizzle-orm";
import { type Address, getAddress, type Hex } from "viem";
import type { Database } from "@/db/client";
import { payerRotationApprovals, payerRotations } from "@/db/schema";
import { writeAudit } from "../audit-log/write";
import { OperationError } from "../support/errors";
import { recoverOwnerSigner } from "./owner-signatures";
import {
  expectState,
  parseRotationInput,
  type Rotation,
  type RotationDeps,
  signatureInput,
} from "./rotation";
import { approvalTypedData } from "./rotation-messages";

/** The rotation's approval step (3 of 6): a quorum of treasury owners' signatures. */

const lower = (a: string) => a.toLowerCase();
const iso = (d: Date) => d.toISOString();

/**
 * Step 3: treasury owners sign RotatePayerWallet { oldWallet, newWallet, nonce, deadline }, one
 * signature per call. Each is checked (a current owner, this chain, before the deadline, never used
 * before, not an owner who already signed this rotation) and kept; the rotation stays `proven`
 * until a quorum of distinct current owners signed, and the signature that reaches it approves.
 */
export async function approveRotation(
  deps: RotationDeps,
  input: { rotationId: string; signature: string; actor: string },
): Promise<Rotation & { signed: number; quorum: number; signer: Address }> {
  const { signature: raw } = parseRotationInput(signatureInput, input);
  const sig = lower(raw) as Hex;
  const now = (deps.now ?? (() => new Date()))();
  const { owners, quorum } = await deps.ownerSet();
  return deps.db.transaction(async (tx) => {
    // Shared with owner changes' enactment (exclusive): the set read below cannot change under us.
    await tx.execute(sql`SELECT pg_advisory_xact_lock_shared(hashtext('treasury_owner_set'))`);
    const [r] = await tx
      .select()
      .from(payerRotations)
      .where(eq(payerRotations.id, input.rotationId))
      .for("update");
    if (!r) {
      throw new OperationError("rotation_not_found", `no rotation ${input.rotationId}`, {
        rotationId: input.rotationId,
      });
    }
    const [used] = await tx
      .select({ rotationId: payerRotationApprovals.rotationId })
      .from(payerRotationApprovals)
      .where(eq(payerRotationApprovals.signature, sig))
      .limit(1);
    if (used) {
      throw new OperationError(
        "rotation_approval_replayed",
        `this approval was already used for rotation ${used.rotationId}`,
        { usedBy: used.rotationId },
      );
    }
    expectState(r, "proven");
    if (now.getTime() > r.deadline.getTime()) {
      throw new OperationError(
        "rotation_approval_expired",
        "the approval's deadline has passed: cancel and register again",
        { deadline: iso(r.deadline), now: iso(now) },
      );
    }
    const signer = await recoverOwnerSigner(
      (chainId) => approvalTypedData(r, chainId),
      sig,
      deps.chainId,
      owners,
      {
        wrongChain: "rotation_approval_wrong_chain",
        notOwner: "rotation_approver_not_owner",
        notOwnerMessage: "the approval is not signed by a treasury owner",
      },
    );
    const earlier = await tx
      .select()
      .from(payerRotationApprovals)
      .where(eq(payerRotationApprovals.rotationId, r.id))
      .orderBy(asc(payerRotationApprovals.id));
    const mine = earlier.find((a) => a.signer === lower(signer));
    if (mine) {
      throw new OperationError(
        "rotation_approval_duplicate_signer",
        `${signer} already approved rotation ${r.id}: another owner must sign`,
        { rotationId: r.id, signer, signedAt: iso(mine.signedAt) },
      );
    }
    await tx.insert(payerRotationApprovals).values({
      rotationId: r.id,
      signer: lower(signer),
      signature: sig,
      submittedBy: input.actor,
      signedAt: now,
    });
    const ownerSet = new Set(owners.map(lower));
    const signers = [...earlier.map((a) => a.signer), lower(signer)].filter((s) => ownerSet.has(s));
    await writeAudit(tx, {
      actor: input.actor,
      action: "payer_rotation.approval_signed",
      targetType: "payer_rotation",
      targetId: r.id,
      after: { signer, signed: signers.length, quorum, oldWallet: r.oldWallet, newWallet: r.newWallet },
    });
    if (signers.length < quorum) return { ...r, signed: signers.length, quorum, signer };
    const [row] = await tx
      .update(payerRotations)
      .set({
        state: "approved",
        updatedAt: now,
        approvalSignature: sig,
        approver: lower(signer),
        approvedAt: now,
      })
      .where(and(eq(payerRotations.id, r.id), eq(payerRotations.state, "proven")))
      .returning();
    await writeAudit(tx, {
      actor: input.actor,
      action: "payer_rotation.approved",
      targetType: "payer_rotation",
      targetId: r.id,
      before: { state: "proven" },
      after: {
        state: "approved",
        oldWallet: r.oldWallet,
        newWallet: r.newWallet,
        signers: signers.map((s) => getAddress(s)),
        quorum,
        approvedAt: iso(now),
      },
    });
    return { ...(row as Rotation), signed: signers.length, quorum, signer };
  });
}

/** The approvals a rotation collected so far, oldest first. */
export async function rotationApprovals(db: Database, rotationId: string) {
  const rows = await db
    .select()
    .from(payerRotationApprovals)
    .where(eq(payerRotationApprovals.rotationId, rotationId))
    .orderBy(asc(payerRotationApprovals.id));
  return rows.map((a) => ({
    signer: getAddress(a.signer),
    submittedBy: a.submittedBy,
    signedAt: iso(a.signedAt),
  }));
}
