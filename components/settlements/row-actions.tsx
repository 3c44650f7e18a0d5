"use client";

import { useRouter } from "next/navigation";
import { useId, useRef, useState } from "react";
import { cancelSettlement, checkSettlement } from "@/app/(console)/settlements/actions";
import { FormMessage } from "@/components/agents/form-feedback";
import { useAnnounceDecision } from "@/components/approvals/decision-feedback";
import { Usd } from "@/components/ui/usd";

const SECONDARY =
  "rounded-md border border-slate-300 bg-white px-2.5 py-1 text-sm font-medium text-slate-900 hover:bg-slate-100 disabled:cursor-not-allowed disabled:opacity-60 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-slate-900";
const DANGER =
  "rounded-md border border-red-300 bg-white px-2.5 py-1 text-sm font-medium text-red-800 hover:bg-red-50 disabled:cursor-not-allowed disabled:opacity-60 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-red-800";

/**
 * "Check chain" reads the chain and closes the payment if it can be proven used or dead;
 * "Cancel on chain" (after a confirmation) also cancels a live authorization. The outcome is
 * announced above the table, since a resolved row leaves it.
 */
export function RowActions({
  transactionId,
  amountMicro,
  cancellable,
}: {
  transactionId: string;
  amountMicro: string;
  cancellable: boolean;
}) {
  const router = useRouter();
  const announce = useAnnounceDecision();
  const titleId = useId();
  const dialog = useRef<HTMLDialogElement>(null);
  const [pending, setPending] = useState<"check" | "cancel" | null>(null);
  // The check's error shows in the row; the cancellation's inside its dialog.
  const [error, setError] = useState<{ kind: "check" | "cancel"; message: string } | null>(null);

  async function run(kind: "check" | "cancel") {
    setPending(kind);
    setError(null);
    const fail = (message: string) => setError({ kind, message });
    try {
      const result = await (kind === "cancel" ? cancelSettlement : checkSettlement)({ id: transactionId });
      if (!result.ok) {
        fail(result.message);
        return;
      }
      dialog.current?.close();
      announce(`${transactionId}: ${result.data.message}`);
      router.refresh();
    } catch {
      fail("The console did not answer; reload the page and look at the transaction before trying again.");
    } finally {
      setPending(null);
    }
  }

  return (
    <div className="flex flex-col gap-2">
      <div className="flex flex-wrap gap-2">
        <button
          type="button"
          onClick={() => run("check")}
          disabled={pending !== null}
          aria-label={`Check chain for ${transactionId}`}
          className={SECONDARY}
        >
          {pending === "check" ? "Checking…" : "Check chain"}
        </button>
        {cancellable ? (
          <button
            type="button"
            onClick={() => {
              setError(null);
              dialog.current?.showModal();
            }}
            disabled={pending !== null}
            aria-label={`Cancel on chain ${transactionId}`}
            className={DANGER}
          >
            Cancel on chain
          </button>
        ) : null}
      </div>
      <FormMessage error={error?.kind === "check" ? error.message : null} />
      {cancellable ? (
        <dialog
          ref={dialog}
          aria-labelledby={titleId}
          className="m-auto w-full max-w-md rounded-lg p-6 shadow-xl backdrop:bg-black/40"
        >
          <div className="flex flex-col gap-4">
            <h2 id={titleId} className="text-lg font-semibold">
              Cancel this authorization on chain?
            </h2>
            <p className="text-sm text-slate-700">
              The payer signs and sends USDC's <code className="font-mono">cancelAuthorization</code> for{" "}
              <span className="break-all font-mono text-xs">{transactionId}</span> (
              <Usd micro={amountMicro} />
              ). It costs the payer gas, and the signature becomes unusable: no vendor can settle it
              afterwards. The reservation is released once the cancellation is mined. If the chain shows it
              was already used, the payment is captured instead.
            </p>
            <FormMessage error={error?.kind === "cancel" ? error.message : null} />
            <div className="flex justify-end gap-2">
              <button
                type="button"
                onClick={() => dialog.current?.close()}
                disabled={pending !== null}
                className="rounded-md border border-slate-300 px-3 py-1.5 text-sm"
              >
                Keep it
              </button>
              <button
                type="button"
                onClick={() => run("cancel")}
                disabled={pending !== null}
                className="rounded-md bg-red-700 px-3 py-1.5 text-sm font-medium text-white hover:bg-red-800 disabled:opacity-60 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-red-700"
              >
                {pending === "cancel" ? "Cancelling…" : "Cancel on chain"}
              </button>
            </div>
          </div>
        </dialog>
      ) : null}
    </div>
  );
}
