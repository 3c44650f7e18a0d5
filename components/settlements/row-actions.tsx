"use client";

import { useRouter } from "next/navigation";
import { useRef, useState } from "react";
import { cancelSettlement, checkSettlement } from "@/app/(console)/settlements/actions";
import { useAnnounceDecision } from "@/components/approvals/decision-feedback";
import { Button } from "@/components/ui/button";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { FormMessage } from "@/components/ui/form-message";
import { Price } from "@/components/ui/usd";
import { useAction } from "@/components/ui/use-action";
import type { Micro } from "@/lib/payment-core/support/money";
import type { Wire } from "@/lib/wire";

/**
 * "Check chain" reads the chain and closes the payment if it can be proven used or dead;
 * "Cancel on chain" (after a confirmation) also cancels a live authorization. The outcome is
 * announced above the table, since a resolved row leaves it.
 */
export function RowActions({
  transactionId,
  amountMicro,
  cancellable,
  scheme = "exact",
}: {
  transactionId: string;
  amountMicro: Wire<Micro>;
  cancellable: boolean;
  /** `upto` rows are cancelled through Permit2 (docs/schemes.md). */
  scheme?: string;
}) {
  const router = useRouter();
  const announce = useAnnounceDecision();
  const dialog = useRef<HTMLDialogElement>(null);
  const [kind, setKind] = useState<"check" | "cancel">("check");
  const onSuccess = (data: { message: string }) => {
    dialog.current?.close();
    announce(`${transactionId}: ${data.message}`);
    router.refresh();
  };
  const unanswered =
    "The console did not answer; reload the page and look at the transaction before trying again.";
  const check = useAction(checkSettlement, { onSuccess, unanswered });
  const cancel = useAction(cancelSettlement, { onSuccess, unanswered });
  // The check's error shows in the row; the cancellation's inside its dialog.
  const pending = check.pending ? "check" : cancel.pending ? "cancel" : null;
  const error = kind === "check" ? check.error : cancel.error;

  function run(which: "check" | "cancel") {
    setKind(which);
    (which === "cancel" ? cancel : check).run({ id: transactionId });
  }

  return (
    <div className="flex flex-col gap-2">
      <div className="flex flex-wrap gap-2">
        <Button
          onClick={() => run("check")}
          disabled={pending !== null}
          aria-label={`Check chain for ${transactionId}`}
          variant="secondary"
          size="sm"
        >
          {pending === "check" ? "Checking…" : "Check chain"}
        </Button>
        {cancellable ? (
          <Button
            onClick={() => {
              cancel.dismiss();
              dialog.current?.showModal();
            }}
            disabled={pending !== null}
            aria-label={`Cancel on chain ${transactionId}`}
            variant="danger-outline"
            size="sm"
          >
            Cancel on chain
          </Button>
        ) : null}
      </div>
      <FormMessage error={kind === "check" ? error : null} />
      {cancellable ? (
        <ConfirmDialog
          dialogRef={dialog}
          title="Cancel this authorization on chain?"
          error={<FormMessage error={kind === "cancel" ? error : null} />}
          confirmLabel="Cancel on chain"
          busyLabel="Cancelling…"
          pending={pending !== null}
          onConfirm={() => run("cancel")}
        >
          <p>
            {scheme === "upto" ? (
              <>
                The payer sends Permit2's <code className="font-mono">invalidateUnorderedNonces</code> for the
                upto authorization of{" "}
              </>
            ) : (
              <>
                The payer signs and sends USDC's <code className="font-mono">cancelAuthorization</code> for{" "}
              </>
            )}
            <span className="break-all font-mono text-xs">{transactionId}</span> (
            <Price micro={amountMicro} />
            ). It costs the payer gas, and the signature becomes unusable: no vendor can settle it afterwards.
            The reservation is released once the cancellation is mined. If the chain shows it was already
            used, the payment is captured instead.
          </p>
        </ConfirmDialog>
      ) : null}
    </div>
  );
}
