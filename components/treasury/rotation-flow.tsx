"use client";

import type { RotationPageView } from "@/lib/dal/rotation";
import type { Wire } from "@/lib/wire";
import { CancelRotation, CompleteStep, ProveStep, SweepStep, TestPaymentStep } from "./rotation-actions";
import { RegisterForm } from "./rotation-register-form";
import { RotationSteps } from "./rotation-steps";
import { ApproveStep } from "./wallet-lazy";

const CANCELLABLE = new Set(["registered", "proven", "approved", "test_paid"]);

/**
 * The rotation as the server has it: the steps done, and the form of the one it waits for. The
 * page renders this from the database on every load, so a reload, another tab or another admin
 * resumes the same step; each action refreshes it.
 */
export function RotationFlow({
  view,
  canAct,
  role,
}: {
  view: Wire<RotationPageView>;
  canAct: boolean;
  role: string;
}) {
  const open = view.status.open;
  const rotation = open?.rotation ?? null;
  return (
    <div className="grid gap-6 lg:grid-cols-[18rem_1fr]">
      <section aria-label="Progress" className="rounded-lg border border-slate-200 p-3">
        <RotationSteps rotation={rotation} />
      </section>
      <section
        aria-label="Current step"
        className="flex flex-col gap-4 rounded-lg border border-slate-200 p-4"
        data-step={open?.nextStep ?? "register"}
      >
        {!canAct ? (
          <p className="rounded-md bg-slate-50 px-3 py-2 text-sm text-slate-800">
            Rotating the payer key needs the admin role; you are {role}.{" "}
            {rotation
              ? `The rotation waits for: ${open?.nextStep?.replace("_", " ")}.`
              : "No rotation is in progress."}
          </p>
        ) : null}
        {canAct && !rotation ? <RegisterForm /> : null}
        {rotation && open?.nextStep === "prove" && canAct ? <ProveStep rotation={rotation} /> : null}
        {rotation && open?.nextStep === "approve" ? (
          <ApproveStep
            rotation={rotation}
            owners={view.owners}
            quorum={view.quorum}
            approvals={view.status.open?.approvals.map((a) => a.signer) ?? []}
            canAct={canAct}
          />
        ) : null}
        {rotation && open?.nextStep === "test_payment" && canAct ? (
          <TestPaymentStep
            rotation={rotation}
            agentIds={view.agentIds}
            lastPaid={view.lastPaid}
            newWalletMicro={view.newWalletMicro}
          />
        ) : null}
        {rotation && open?.nextStep === "sweep" && canAct ? (
          <SweepStep rotation={rotation} oldWalletMicro={view.oldWalletMicro} />
        ) : null}
        {rotation && open?.nextStep === "complete" && canAct ? <CompleteStep rotation={rotation} /> : null}
        {rotation && canAct && CANCELLABLE.has(rotation.state) ? (
          <CancelRotation rotation={rotation} />
        ) : null}
      </section>
    </div>
  );
}
