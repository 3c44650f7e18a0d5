"use client";

import { useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useId, useState } from "react";
import { decideRequest } from "@/app/(console)/approvals/actions";
import { FieldError, FormMessage, fieldErrors, inputClass } from "../agents/form-feedback";
import { useAnnounceDecision } from "./decision-feedback";

/**
 * Approve or reject with a comment (required to reject). For the requester the buttons stay
 * visible but disabled, with the reason next to them; the action refuses anyway.
 */
export function DecisionForm({ requestId, isRequester }: { requestId: number; isRequester: boolean }) {
  const router = useRouter();
  const queryClient = useQueryClient();
  const announce = useAnnounceDecision();
  const id = useId();
  const [pending, setPending] = useState<"approve" | "reject" | null>(null);
  const [commentError, setCommentError] = useState<string | undefined>();
  const [error, setError] = useState<string | null>(null);

  async function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const submitter = (event.nativeEvent as SubmitEvent).submitter as HTMLButtonElement | null;
    const decision = submitter?.value === "reject" ? "reject" : "approve";
    const form = new FormData(event.currentTarget);
    setPending(decision);
    setError(null);
    const result = await decideRequest({
      id: requestId,
      decision,
      comment: String(form.get("comment") ?? ""),
    });
    setPending(null);
    if (!result.ok) {
      const byField = fieldErrors(result, { invalid_comment: "comment" });
      setCommentError(byField.comment);
      if (!byField.comment) setError(result.message);
      return;
    }
    setCommentError(undefined);
    announce(
      result.data.status === "approved"
        ? `Request #${result.data.id} approved: the new monthly limit applies from ${result.data.agentId}'s next payment.`
        : `Request #${result.data.id} rejected; the limit is unchanged.`,
    );
    await queryClient.invalidateQueries({ queryKey: ["agents"] });
    router.refresh();
  }

  const describedBy = [isRequester ? `${id}-self` : null, commentError ? `${id}-error` : null]
    .filter(Boolean)
    .join(" ");
  return (
    <form onSubmit={onSubmit} noValidate className="flex flex-col gap-3">
      <div className="flex flex-col gap-1">
        <label htmlFor={`${id}-comment`} className="text-sm font-medium">
          Comment
        </label>
        <textarea
          id={`${id}-comment`}
          name="comment"
          rows={2}
          disabled={isRequester}
          aria-invalid={commentError ? true : undefined}
          aria-describedby={`${id}-hint${commentError ? ` ${id}-error` : ""}`}
          className={`${inputClass} disabled:bg-slate-100`}
        />
        <p id={`${id}-hint`} className="text-xs text-slate-600">
          Kept with the decision and in the audit log; required to reject.
        </p>
        <FieldError id={`${id}-error`} message={commentError} />
      </div>
      {isRequester ? (
        <p id={`${id}-self`} className="rounded-md bg-slate-100 px-3 py-2 text-sm text-slate-800">
          You made this request, so you cannot decide it: another approver must.
        </p>
      ) : null}
      <div className="flex flex-wrap items-center gap-2">
        <button
          type="submit"
          name="decision"
          value="approve"
          disabled={isRequester || pending !== null}
          aria-describedby={describedBy || undefined}
          className="rounded-md bg-green-800 px-3 py-2 text-sm font-medium text-white hover:bg-green-900 disabled:cursor-not-allowed disabled:opacity-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-green-800"
        >
          Approve
        </button>
        <button
          type="submit"
          name="decision"
          value="reject"
          disabled={isRequester || pending !== null}
          aria-describedby={describedBy || undefined}
          className="rounded-md border border-red-300 bg-white px-3 py-2 text-sm font-medium text-red-800 hover:bg-red-50 disabled:cursor-not-allowed disabled:opacity-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-red-800"
        >
          Reject
        </button>
        {pending ? (
          <span className="text-sm text-slate-600">
            {pending === "approve" ? "Approving…" : "Rejecting…"}
          </span>
        ) : null}
      </div>
      <FormMessage error={error} />
    </form>
  );
}
