import type { Database } from "@/db/client";
import { lastRotationAgeDays } from "./key-age";
import { listRotations, openRotation, type Rotation, type RotationState } from "./rotation";
import { rotationApprovals } from "./rotation-approval";
import { approvalTypedData, proofTypedData } from "./rotation-messages";

/** The step a rotation in `state` waits for; null once it is completed or cancelled. */
export type RotationStep = "prove" | "approve" | "test_payment" | "sweep" | "complete";

const NEXT: Record<RotationState, RotationStep | null> = {
  registered: "prove",
  proven: "approve",
  approved: "test_payment",
  test_paid: "sweep",
  swept: "complete",
  completed: null,
  cancelled: null,
};

export interface RotationStatus {
  /** The rotation in progress, the step it waits for and, for a signing step, what to sign. */
  open: {
    rotation: Rotation;
    nextStep: RotationStep | null;
    toSign: ReturnType<typeof proofTypedData> | ReturnType<typeof approvalTypedData> | null;
    /** The owners' approval signatures so far (the quorum is the owner set's: OwnerSet.quorum). */
    approvals: Awaited<ReturnType<typeof rotationApprovals>>;
  } | null;
  /** Newest first, the open one included. */
  history: Rotation[];
  /** Days since the payer key last changed (null: unknown); the alert fires above 90. */
  lastRotationAgeDays: number | null;
}

/**
 * What a page (or `x402 treasury rotate status`) needs to resume: everything is read from the
 * database, so a reload, another tab or another operator sees the same step.
 */
export async function rotationStatus(
  db: Database,
  chainId: number,
  now: Date = new Date(),
): Promise<RotationStatus> {
  const [open, history, age] = await Promise.all([
    openRotation(db),
    listRotations(db),
    lastRotationAgeDays(db, now),
  ]);
  const nextStep = open ? NEXT[open.state] : null;
  const toSign =
    open && nextStep === "prove"
      ? proofTypedData(open, chainId)
      : open && nextStep === "approve"
        ? approvalTypedData(open, chainId)
        : null;
  const approvals = open ? await rotationApprovals(db, open.id) : [];
  return {
    open: open ? { rotation: open, nextStep, toSign, approvals } : null,
    history,
    lastRotationAgeDays: age,
  };
}
