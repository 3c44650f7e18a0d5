"use client";

import { useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useId, useState } from "react";
import { decideRequest } from "@/app/(console)/approvals/actions";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { FormMessage } from "@/components/ui/form-message";
import { Textarea } from "@/components/ui/input";
import { formFields, useAction } from "@/components/ui/use-action";
import { useAnnounceDecision } from "./decision-feedback";

const DECISIONS = [
  { value: "approve", label: "Approve", variant: "approve" },
  { value: "reject", label: "Reject", variant: "danger-outline" },
] as const;

/**
 * Approve or reject with a comment (required to reject). For the requester the buttons stay
 * visible but disabled, with the reason next to them; the action refuses anyway.
 */
export function DecisionForm({ requestId, isRequester }: { requestId: number; isRequester: boolean }) {
  const router = useRouter();
  const queryClient = useQueryClient();
  const announce = useAnnounceDecision();
  const id = useId();
  const selfId = `${id}-self`;
  const [decision, setDecision] = useState<"approve" | "reject">("approve");
  const { pending, errors, error, run } = useAction(decideRequest, {
    fields: { invalid_comment: "comment" },
    onSuccess: async (data) => {
      announce(
        data.status === "approved"
          ? `Request #${data.id} approved: the new monthly limit applies from ${data.agentId}'s next payment.`
          : `Request #${data.id} rejected; the limit is unchanged.`,
      );
      await queryClient.invalidateQueries({ queryKey: ["agents"] });
      router.refresh();
    },
  });

  function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    const submitter = (event.nativeEvent as SubmitEvent).submitter as HTMLButtonElement | null;
    const chosen = submitter?.value === "reject" ? "reject" : "approve";
    setDecision(chosen);
    run({ id: requestId, decision: chosen, ...formFields(event, ["comment"]) });
  }

  const describedBy =
    [isRequester ? selfId : null, errors.comment ? `${id}-comment-error` : null].filter(Boolean).join(" ") ||
    undefined;
  return (
    <form onSubmit={onSubmit} noValidate className="flex flex-col gap-3">
      <Field
        id={`${id}-comment`}
        label="Comment"
        hint="Kept with the decision and in the audit log; required to reject."
        error={errors.comment}
      >
        {(control) => <Textarea {...control} name="comment" rows={2} disabled={isRequester} />}
      </Field>
      {isRequester ? (
        <p id={selfId} className="rounded-md bg-slate-100 px-3 py-2 text-sm text-slate-800">
          You made this request, so you cannot decide it: another approver must.
        </p>
      ) : null}
      <div className="flex flex-wrap items-center gap-2">
        {DECISIONS.map((d) => (
          <Button
            key={d.value}
            type="submit"
            variant={d.variant}
            name="decision"
            value={d.value}
            disabled={isRequester || pending}
            aria-describedby={describedBy}
          >
            {d.label}
          </Button>
        ))}
        {pending ? (
          <span className="text-sm text-slate-600">
            {decision === "approve" ? "Approving…" : "Rejecting…"}
          </span>
        ) : null}
      </div>
      <FormMessage error={error} />
    </form>
  );
}
