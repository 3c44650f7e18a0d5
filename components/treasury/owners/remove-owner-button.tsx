"use client";

import { useRef } from "react";
import { proposeOwnerChangeAction } from "@/app/(console)/treasury/owners/actions";
import { Button } from "@/components/ui/button";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { FormMessage } from "@/components/ui/form-message";
import { useAction } from "@/components/ui/use-action";
import { codedError } from "./coded-error";

/** Proposes removing an owner after a confirmation; the refusal, if any, shows inside the dialog. */
export function RemoveOwnerButton({ address, label }: { address: string; label: string | null }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const remove = useAction(proposeOwnerChangeAction, { onSuccess: () => dialog.current?.close() });
  return (
    <>
      <Button
        variant="danger-outline"
        size="sm"
        onClick={() => {
          remove.dismiss();
          dialog.current?.showModal();
        }}
      >
        {/* The owner in the name after the visible words, for screen readers (WCAG 2.5.3). */}
        Propose removal<span className="sr-only"> of owner {address}</span>
      </Button>
      <ConfirmDialog
        dialogRef={dialog}
        title="Propose removing this treasury owner?"
        error={<FormMessage error={codedError(remove.error, remove.result)} />}
        confirmLabel="Propose removal"
        busyLabel="Proposing…"
        pending={remove.pending}
        onConfirm={() => remove.run({ action: "remove", address })}
      >
        <span className="break-all font-mono text-xs">{address}</span>
        {label ? ` (${label})` : ""} is removed once a quorum of owners signed the proposal; from then its
        signatures no longer count. A removal that would leave fewer owners than the quorum is refused.
      </ConfirmDialog>
    </>
  );
}
