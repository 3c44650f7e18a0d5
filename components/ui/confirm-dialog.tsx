"use client";

import { type ReactNode, type RefObject, useId } from "react";
import { Button } from "./button";

/**
 * A modal question before a destructive step (the native `<dialog>`: Escape and "Keep it" close
 * it, focus stays inside): the title, what will happen, the step's own error, and the two buttons,
 * the destructive one last. The caller opens it with `ref.current?.showModal()`.
 */
export function ConfirmDialog({
  dialogRef,
  title,
  children,
  error,
  confirmLabel,
  busyLabel = confirmLabel,
  pending,
  onConfirm,
}: {
  dialogRef: RefObject<HTMLDialogElement | null>;
  title: string;
  children: ReactNode;
  error?: ReactNode;
  confirmLabel: string;
  busyLabel?: string;
  pending: boolean;
  onConfirm: () => void;
}) {
  const titleId = useId();
  return (
    <dialog
      ref={dialogRef}
      aria-labelledby={titleId}
      className="m-auto w-[min(28rem,calc(100%-2rem))] rounded-lg p-6 shadow-xl backdrop:bg-slate-900/40"
    >
      <div className="flex flex-col gap-4">
        <h2 id={titleId} className="text-lg font-semibold">
          {title}
        </h2>
        <div className="text-sm text-slate-800">{children}</div>
        {error}
        <div className="flex justify-end gap-2">
          <Button variant="secondary" onClick={() => dialogRef.current?.close()} disabled={pending}>
            Keep it
          </Button>
          <Button variant="danger" onClick={onConfirm} disabled={pending}>
            {pending ? busyLabel : confirmLabel}
          </Button>
        </div>
      </div>
    </dialog>
  );
}
