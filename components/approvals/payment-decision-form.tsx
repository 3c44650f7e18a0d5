"use client";

import { useRouter } from "next/navigation";
import { useId, useState } from "react";
import { decidePayment } from "@/app/(console)/approvals/actions";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { FormMessage } from "@/components/ui/form-message";
import { Textarea } from "@/components/ui/input";
import { formFields, useAction } from "@/components/ui/use-action";
import { formatDollars } from "@/lib/payment-core/support/money";
import { useAnnounceDecision } from "./decision-feedback";

const DECISIONS = [
  { value: "approve", label: "Approve", variant: "approve" },
  { value: "deny", label: "Deny", variant: "danger-outline" },
] as const;

/**
 * Approve or deny one held payment, with a reason either way (the domain refuses an empty one
 * too). A refusal shows its code beside its message: `approval_already_decided` names who decided.
 */
export function PaymentDecisionForm({ approvalId, label }: { approvalId: string; label: string }) {
  const router = useRouter();
  const announce = useAnnounceDecision();
  const id = useId();
  const [decision, setDecision] = useState<"approve" | "deny">("approve");
  const { pending, errors, error, result, run } = useAction(decidePayment, {
    fields: { reason_required: "reason", invalid_reason: "reason" },
    onSuccess: (data) => {
      const amount = formatDollars(BigInt(data.amountMicro));
      announce(
        data.status === "approved"
          ? `Payment ${data.id} approved: ${data.agentId}'s retry with the same idempotency key pays ${data.vendor} ${amount} (until ${data.expiresAt.slice(0, 16).replace("T", " ")} UTC).`
          : `Payment ${data.id} denied: ${data.agentId}'s ${amount} reservation is released.`,
      );
      router.refresh();
    },
  });

  function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    const submitter = (event.nativeEvent as SubmitEvent).submitter as HTMLButtonElement | null;
    const chosen = submitter?.value === "deny" ? "deny" : "approve";
    setDecision(chosen);
    run({ approvalId, decision: chosen, ...formFields(event, ["reason"]) });
  }

  const code = result && !result.ok ? result.code : null;
  return (
    <form onSubmit={onSubmit} noValidate aria-label={`Decide ${label}`} className="flex flex-col gap-3">
      <Field
        id={`${id}-reason`}
        label="Reason"
        hint="Required to approve or deny; kept with the decision and in the audit log."
        error={errors.reason}
      >
        {(control) => <Textarea {...control} name="reason" rows={2} required maxLength={500} />}
      </Field>
      <div className="flex flex-wrap items-center gap-2">
        {DECISIONS.map((d) => (
          <Button
            key={d.value}
            type="submit"
            variant={d.variant}
            name="decision"
            value={d.value}
            disabled={pending}
          >
            {d.label}
          </Button>
        ))}
        {pending ? (
          <span className="text-sm text-slate-600">{decision === "approve" ? "Approving…" : "Denying…"}</span>
        ) : null}
      </div>
      <FormMessage
        error={
          error ? (
            <>
              {error} <code className="text-xs">({code})</code>
            </>
          ) : null
        }
      />
    </form>
  );
}
