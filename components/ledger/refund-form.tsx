"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { setRefundStateAction } from "@/app/(console)/ledger/[id]/actions";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { FormMessage } from "@/components/ui/form-message";
import { Input } from "@/components/ui/input";
import { useAction } from "@/components/ui/use-action";
import type { RefundState } from "@/lib/payment-core/ledger/refunds";

const MOVE_LABEL: Record<Exclude<RefundState, "none">, string> = {
  requested: "Mark refund requested",
  refunded: "Mark refunded",
  written_off: "Write off",
};

/** The next moves of a refund (`next`, from the domain's table), each one button, with a note. */
export function RefundForm({ id, next }: { id: string; next: readonly RefundState[] }) {
  const router = useRouter();
  const [note, setNote] = useState("");
  const move = useAction(setRefundStateAction, {
    onSuccess: () => {
      setNote("");
      router.refresh();
    },
    unanswered: "The console did not answer; reload the page to see whether the refund was updated.",
  });
  const moves = next.filter((s): s is Exclude<RefundState, "none"> => s !== "none");
  if (moves.length === 0) return null;
  return (
    <form className="mt-3 flex flex-col gap-2" onSubmit={(e) => e.preventDefault()}>
      <Field
        label="Note (optional)"
        hint="What was agreed with the vendor; kept with the refund and in the audit log."
      >
        {(control) => (
          <Input
            {...control}
            name="note"
            maxLength={500}
            value={note}
            onChange={(e) => setNote(e.target.value)}
          />
        )}
      </Field>
      <div className="flex flex-wrap gap-2">
        {moves.map((state) => (
          <Button
            key={state}
            type="button"
            size="sm"
            variant={state === "written_off" ? "secondary" : "primary"}
            disabled={move.pending}
            onClick={() => move.run({ id, state, note: note || undefined })}
          >
            {MOVE_LABEL[state]}
          </Button>
        ))}
      </div>
      <FormMessage error={move.error} />
    </form>
  );
}
