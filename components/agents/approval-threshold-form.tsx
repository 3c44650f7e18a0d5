"use client";

import { useRouter } from "next/navigation";
import { saveApprovalThreshold } from "@/app/(console)/agents/actions";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { ErrorSummary, FormMessage } from "@/components/ui/form-message";
import { Input } from "@/components/ui/input";
import { Badge } from "@/components/ui/status-badge";
import { Price } from "@/components/ui/usd";
import { formFields, useAction } from "@/components/ui/use-action";
import type { ApprovalThresholdView } from "@/lib/dal/payment-approvals";
import { formatDollars, formatUsdc } from "@/lib/payment-core/support/money";

const FIELD_IDS = { threshold: "approval-threshold", reason: "approval-threshold-reason" };
const ERROR_LABELS = { threshold: "Approval threshold", reason: "Reason" };

/** Where the threshold in force comes from, in words. */
function SourceText({ view }: { view: ApprovalThresholdView }) {
  if (view.source === "console") return <>set in the console</>;
  if (view.source === "env") {
    return (
      <>
        from <code>{view.variable}</code>
      </>
    );
  }
  return (
    <>
      none: neither the console nor <code>{view.variable}</code> sets one
    </>
  );
}

/**
 * The agent's approval threshold: a payment priced above it waits for an approver. Operators may
 * lower it or set one where none applies; raising or clearing it needs an approver (the action
 * refuses an operator with `forbidden`). Viewers see it read-only.
 */
export function ApprovalThresholdSection({
  agentId,
  view,
  canEdit,
  canLoosen,
}: {
  agentId: string;
  view: ApprovalThresholdView;
  canEdit: boolean;
  canLoosen: boolean;
}) {
  const router = useRouter();
  const { pending, errors, error, data, result, run } = useAction(saveApprovalThreshold, {
    fields: { invalid_amount: "threshold" },
    labels: ERROR_LABELS,
    onSuccess: () => router.refresh(),
  });
  const code = result && !result.ok ? result.code : null;
  const saved =
    data === null
      ? null
      : data.thresholdMicro === null
        ? "Saved. No payment of this agent is held for approval from its next payment."
        : `Saved. From the agent's next payment, a price above ${formatDollars(BigInt(data.thresholdMicro))} waits for an approver.`;
  return (
    <section aria-labelledby="approval-threshold-title" className="flex flex-col gap-3">
      <div>
        <h2 id="approval-threshold-title" className="text-lg font-semibold">
          Approval threshold
        </h2>
        <p className="text-sm text-slate-700">
          A payment priced above it is reserved and held, nothing signed, until an approver approves or denies
          it on Approvals. The console's value wins over the environment's.
        </p>
      </div>
      <dl className="grid grid-cols-[auto_minmax(0,1fr)] gap-x-4 gap-y-1 text-sm [overflow-wrap:anywhere]">
        <dt className="text-slate-600">In force</dt>
        <dd className="flex flex-wrap items-center gap-2">
          {view.thresholdMicro === null ? (
            <span>None (no payment is held)</span>
          ) : (
            <span className="font-medium">
              Above <Price micro={view.thresholdMicro} />
            </span>
          )}
          <Badge tone={view.source === "console" ? "info" : view.source === "env" ? "warn" : "neutral"}>
            <span className="sr-only">source: </span>
            {view.source}
          </Badge>
        </dd>
        <dt className="text-slate-600">Source</dt>
        <dd>
          <SourceText view={view} />
        </dd>
        {view.source === "console" && view.envMicro !== null ? (
          <>
            <dt className="text-slate-600">Environment</dt>
            <dd>
              <Price micro={view.envMicro} /> (<code>{view.variable}</code>, applies if the console's value is
              cleared)
            </dd>
          </>
        ) : null}
      </dl>
      {canEdit ? (
        <form
          onSubmit={(event) => run({ agentId, ...formFields(event, ["threshold", "reason"]) })}
          noValidate
          aria-label="Set the approval threshold"
          className="flex flex-col gap-4 rounded-lg border border-slate-200 p-4"
        >
          <Field
            id={FIELD_IDS.threshold}
            label="Hold payments above (USDC)"
            hint={`Empty clears the console's value${view.envMicro !== null ? ` (${view.variable} then applies)` : " (then no payment is held)"}. ${
              canLoosen
                ? "Raising or clearing it holds fewer payments."
                : "You may lower it; raising or clearing it needs the approver role."
            }`}
            error={errors.threshold}
          >
            {(control) => (
              <Input
                {...control}
                name="threshold"
                inputMode="decimal"
                autoComplete="off"
                defaultValue={view.consoleMicro === null ? "" : formatUsdc(BigInt(view.consoleMicro), 0)}
                className="max-w-48"
              />
            )}
          </Field>
          <Field
            id={FIELD_IDS.reason}
            label="Reason (kept in the audit log)"
            hint="Optional."
            error={errors.reason}
          >
            {(control) => <Input {...control} name="reason" autoComplete="off" />}
          </Field>
          <ErrorSummary errors={errors} ids={FIELD_IDS} />
          <FormMessage
            error={
              error ? (
                <>
                  {error} <code className="text-xs">({code})</code>
                </>
              ) : null
            }
            success={saved}
          />
          <div>
            <Button type="submit" disabled={pending}>
              {pending ? "Saving…" : "Save threshold"}
            </Button>
          </div>
        </form>
      ) : null}
    </section>
  );
}
