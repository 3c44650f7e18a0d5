"use client";

import { useRef } from "react";
import { revokeCliTokenAction } from "@/app/(console)/settings/tokens/actions";
import { codedError } from "@/components/treasury/owners/coded-error";
import { Button } from "@/components/ui/button";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { FormMessage } from "@/components/ui/form-message";
import { useAction } from "@/components/ui/use-action";

/** Revokes a token after a confirmation; the refusal, with its code, shows inside the dialog. */
export function RevokeTokenButton({
  token,
}: {
  token: { id: string; name: string; prefix: string; userEmail: string; mine: boolean };
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const revoke = useAction(revokeCliTokenAction, { onSuccess: () => dialog.current?.close() });
  const whose = token.mine ? "your" : `${token.userEmail}'s`;
  return (
    <>
      <Button
        variant="danger-outline"
        size="sm"
        aria-label={`Revoke token ${token.name} (${token.userEmail})`}
        onClick={() => {
          revoke.dismiss();
          dialog.current?.showModal();
        }}
      >
        Revoke
      </Button>
      <ConfirmDialog
        dialogRef={dialog}
        title="Revoke this CLI token?"
        error={<FormMessage error={codedError(revoke.error, revoke.result)} />}
        confirmLabel="Revoke token"
        busyLabel="Revoking…"
        pending={revoke.pending}
        onConfirm={() => revoke.run({ tokenId: token.id })}
      >
        Every shell signed in with {whose} token “{token.name}” (
        <span className="font-mono text-xs">{token.prefix}…</span>) is refused from its next command (
        <code className="font-mono text-xs">cli_token_revoked</code>) and has to sign in again. This cannot be
        undone; it is kept in the audit log.
      </ConfirmDialog>
    </>
  );
}
