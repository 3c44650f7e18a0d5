"use client";

import { useRouter } from "next/navigation";
import { useId } from "react";
import { resolveAllSettlements } from "@/app/(console)/settlements/actions";
import { useAnnounceDecision } from "@/components/approvals/decision-feedback";
import { SubmitRow } from "@/components/ui/button";
import { FormMessage } from "@/components/ui/form-message";
import { Checkbox } from "@/components/ui/input";
import { formFields, useAction } from "@/components/ui/use-action";

/** Resolves every stale, expired or unsettled payment; cancelling live ones only when ticked. */
export function ResolveAllForm({ staleAfterSeconds }: { staleAfterSeconds: number }) {
  const router = useRouter();
  const announce = useAnnounceDecision();
  const id = useId();
  const { pending, error, run } = useAction(resolveAllSettlements, {
    onSuccess: (data) => {
      announce(data.message);
      router.refresh();
    },
    unanswered: "The console did not answer; reload the page to see where each payment stands.",
  });

  return (
    <form
      onSubmit={(event) => {
        run({ cancelLive: formFields(event, ["cancelLive"]).cancelLive === "on" });
      }}
      aria-label="Resolve all"
      className="flex flex-col gap-3 rounded-lg border border-slate-200 bg-white p-4"
    >
      <p className="text-sm text-slate-700">
        Resolve every payment that is stale (older than {staleAfterSeconds} s), past its validity, or that a
        vendor left unsettled: each is captured if the chain shows it used, released if it can never be used,
        and otherwise held.
      </p>
      <Checkbox
        id={`${id}-cancel`}
        name="cancelLive"
        label="Cancel live authorizations on chain"
        hint="Instead of holding them until they expire. Each cancellation costs the payer gas and makes the signature unusable."
        className="accent-red-700"
      />
      <SubmitRow pending={pending} label="Resolve all" busyLabel="Resolving…" />
      <FormMessage error={error} />
    </form>
  );
}
