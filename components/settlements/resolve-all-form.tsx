"use client";

import { useRouter } from "next/navigation";
import { useId, useState } from "react";
import { resolveAllSettlements } from "@/app/(console)/settlements/actions";
import { FormMessage, primaryButtonClass } from "@/components/agents/form-feedback";
import { useAnnounceDecision } from "@/components/approvals/decision-feedback";

/** Resolves every stale, expired or unsettled payment; cancelling live ones only when ticked. */
export function ResolveAllForm({ staleAfterSeconds }: { staleAfterSeconds: number }) {
  const router = useRouter();
  const announce = useAnnounceDecision();
  const id = useId();
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const cancelLive = new FormData(event.currentTarget).get("cancelLive") === "on";
    setPending(true);
    setError(null);
    try {
      const result = await resolveAllSettlements({ cancelLive });
      if (!result.ok) {
        setError(result.message);
        return;
      }
      announce(result.data.message);
      router.refresh();
    } catch {
      setError("The console did not answer; reload the page to see where each payment stands.");
    } finally {
      setPending(false);
    }
  }

  return (
    <form
      onSubmit={onSubmit}
      aria-label="Resolve all"
      className="flex flex-col gap-3 rounded-lg border border-slate-200 bg-white p-4"
    >
      <p className="text-sm text-slate-700">
        Resolve every payment that is stale (older than {staleAfterSeconds} s), past its validity, or that a
        vendor left unsettled: each is captured if the chain shows it used, released if it can never be used,
        and otherwise held.
      </p>
      <div className="flex items-start gap-2">
        <input
          id={`${id}-cancel`}
          name="cancelLive"
          type="checkbox"
          aria-describedby={`${id}-cancel-hint`}
          className="mt-1 size-4 accent-red-700"
        />
        <div className="flex flex-col">
          <label htmlFor={`${id}-cancel`} className="text-sm font-medium">
            Cancel live authorizations on chain
          </label>
          <p id={`${id}-cancel-hint`} className="text-xs text-slate-600">
            Instead of holding them until they expire. Each cancellation costs the payer gas and makes the
            signature unusable.
          </p>
        </div>
      </div>
      <div className="flex items-center gap-3">
        <button type="submit" disabled={pending} className={primaryButtonClass}>
          {pending ? "Resolving…" : "Resolve all"}
        </button>
      </div>
      <FormMessage error={error} />
    </form>
  );
}
