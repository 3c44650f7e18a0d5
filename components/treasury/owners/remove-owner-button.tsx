"use client";

import { useId, useRef } from "react";
import { removeTreasuryOwnerAction } from "@/app/(console)/treasury/owners/actions";
import { Button } from "@/components/ui/button";
import { FormMessage } from "@/components/ui/form-message";
import { useAction } from "@/components/ui/use-action";
import { codedError } from "./coded-error";

/** Removes a console owner after a confirmation; the refusal, if any, shows inside the dialog. */
export function RemoveOwnerButton({ address, label }: { address: string; label: string | null }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const remove = useAction(removeTreasuryOwnerAction, { onSuccess: () => dialog.current?.close() });
  return (
    <>
      <Button
        variant="danger-outline"
        size="sm"
        aria-label={`Remove owner ${address}`}
        onClick={() => {
          remove.dismiss();
          dialog.current?.showModal();
        }}
      >
        Remove
      </Button>
      <dialog
        ref={dialog}
        aria-labelledby={titleId}
        className="m-auto w-full max-w-md rounded-lg p-6 shadow-xl backdrop:bg-black/40"
      >
        <div className="flex flex-col gap-4">
          <h2 id={titleId} className="text-lg font-semibold">
            Remove this treasury owner?
          </h2>
          <p className="text-sm text-slate-700">
            <span className="break-all font-mono text-xs">{address}</span>
            {label ? ` (${label})` : ""} will no longer approve payer-key rotations: an approval it signed and
            has not yet been submitted is refused from now on. The removal is kept in the audit log and the
            owner's history.
          </p>
          <FormMessage error={codedError(remove.error, remove.result)} />
          <div className="flex justify-end gap-2">
            <Button variant="secondary" onClick={() => dialog.current?.close()} disabled={remove.pending}>
              Keep it
            </Button>
            <Button variant="danger" onClick={() => remove.run({ address })} disabled={remove.pending}>
              {remove.pending ? "Removing…" : "Remove owner"}
            </Button>
          </div>
        </div>
      </dialog>
    </>
  );
}
