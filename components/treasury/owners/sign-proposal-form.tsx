"use client";

import { signOwnerProposalAction } from "@/app/(console)/treasury/owners/actions";
import { Button } from "@/components/ui/button";
import { FormMessage } from "@/components/ui/form-message";
import { useAction } from "@/components/ui/use-action";
import { codedError } from "./coded-error";

/**
 * Submits one owner's ChangeTreasuryOwner signature for a proposal (made in the owner's wallet from
 * the typed data `x402 treasury owners proposals --json` shows). The server recovers the signer,
 * checks it, and enacts the change when a quorum of distinct owners signed.
 */
export function SignProposalForm({ proposalId }: { proposalId: string }) {
  const { pending, error, result, data, run } = useAction(signOwnerProposalAction, {});
  return (
    <form
      noValidate
      className="flex flex-col gap-2 text-sm"
      onSubmit={(event) => {
        event.preventDefault();
        run(new FormData(event.currentTarget));
      }}
    >
      <input type="hidden" name="proposalId" value={proposalId} />
      <label className="flex flex-col gap-1">
        <span className="font-medium">Owner's signature</span>
        <textarea
          name="signature"
          rows={2}
          spellCheck={false}
          className="rounded-md border border-slate-300 px-2 py-1 font-mono text-xs"
        />
      </label>
      <FormMessage
        error={codedError(error, result)}
        success={
          data
            ? data.enacted
              ? `Signed by ${data.signer}: ${data.signed} of ${data.quorum}. The change is enacted.`
              : `Signed by ${data.signer}: ${data.signed} of ${data.quorum}. Another owner must sign.`
            : ""
        }
      />
      <div>
        <Button type="submit" size="sm" disabled={pending}>
          {pending ? "Checking the signature…" : "Submit the signature"}
        </Button>
      </div>
    </form>
  );
}
