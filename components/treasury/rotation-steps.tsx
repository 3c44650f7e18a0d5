import { UtcTime } from "@/components/ui/utc-time";
import type { Rotation } from "@/lib/payment-core/treasury/rotation";
import type { Wire } from "@/lib/wire";

/** The seed's procedure as the page lists it: each step, and the rotation's time stamp for it. */
const STEPS = [
  { label: "Register the new wallet", at: "createdAt" },
  { label: "The new wallet proves control", at: "provenAt" },
  { label: "A treasury owner approves", at: "approvedAt" },
  { label: "Test payment from the new wallet", at: "testPaidAt" },
  { label: "Move the USDC to the new wallet", at: "sweptAt" },
  { label: "Make the new wallet the payer", at: "completedAt" },
] as const;

/** How many steps a rotation in each state has done. */
const DONE: Record<Rotation["state"], number> = {
  registered: 1,
  proven: 2,
  approved: 3,
  test_paid: 4,
  swept: 5,
  completed: 6,
  cancelled: 0,
};

/** The six steps, each done (with when), current, or to come; the current one is marked for screen readers. */
export function RotationSteps({ rotation }: { rotation: Wire<Rotation> | null }) {
  const done = rotation ? DONE[rotation.state] : 0;
  return (
    <ol aria-label="Rotation steps" className="flex flex-col gap-1 text-sm">
      {STEPS.map((step, i) => {
        const at = rotation ? (rotation[step.at] as string | null) : null;
        const state = i < done ? "done" : i === done ? "current" : "waiting";
        return (
          <li
            key={step.label}
            aria-current={state === "current" ? "step" : undefined}
            data-state={state}
            className={`flex flex-wrap items-baseline gap-x-2 rounded px-2 py-1 ${
              state === "current" ? "bg-blue-50 font-medium text-blue-950 ring-1 ring-blue-200" : ""
            } ${state === "waiting" ? "text-slate-600" : ""}`}
          >
            <span aria-hidden className="w-5 tabular-nums">
              {state === "done" ? "✓" : `${i + 1}.`}
            </span>
            <span>
              {step.label}
              <span className="sr-only">
                {state === "done" ? " (done)" : state === "current" ? " (next)" : ""}
              </span>
            </span>
            {state === "done" && at ? (
              <span className="text-xs text-slate-600">
                <UtcTime iso={at} />
              </span>
            ) : null}
          </li>
        );
      })}
    </ol>
  );
}
