"use client";

import { useRef } from "react";
import { removeTreasuryOwnerAction } from "@/app/(console)/treasury/owners/actions";
import { Button } from "@/components/ui/button";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { FormMessage } from "@/components/ui/form-message";
import { useAction } from "@/components/ui/use-action";
import { codedError } from "./coded-error";

/** Removes a console owner after a confirmation; the refusal, if any, shows inside the dialog. */
export function RemoveOwnerButton({ address, label }: { address: string; label: string | null }) {
  const dialog = useRef<HTMLDialogElement>(null);
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
      <ConfirmDialog
        dialogRef={dialog}
        title="Remove this treasury owner?"
        error={<FormMessage error={codedError(remove.error, remove.result)} />}
        confirmLabel="Remove owner"
        busyLabel="Removing…"
        pending={remove.pending}
        onConfirm={() => remove.run({ address })}
      >
        <span className="break-all font-mono text-xs">{address}</span>
        {label ? ` (${label})` : ""} will no longer approve payer-key rotations: an approval it signed and has
        not yet been submitted is refused from now on. The removal is kept in the audit log and the owner's
        history.
      </ConfirmDialog>
    </>
  );
}
