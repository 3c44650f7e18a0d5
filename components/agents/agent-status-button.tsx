"use client";

import { useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useRef, useState } from "react";
import { changeAgentStatus } from "@/app/(console)/agents/actions";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { FormMessage } from "@/components/ui/form-message";
import { Input } from "@/components/ui/input";
import { formFields, useAction } from "@/components/ui/use-action";

function PauseIcon() {
  return (
    <svg aria-hidden="true" viewBox="0 0 16 16" className="mr-1.5 h-3.5 w-3.5 fill-current">
      <rect x="3" y="2" width="3.5" height="12" rx="1" />
      <rect x="9.5" y="2" width="3.5" height="12" rx="1" />
    </svg>
  );
}

/** Keeps Tab and Shift+Tab cycling inside a modal dialog (the browser would move on to its own UI). */
function trapFocus(event: React.KeyboardEvent<HTMLDialogElement>) {
  if (event.key !== "Tab") return;
  const focusable = Array.from(
    event.currentTarget.querySelectorAll<HTMLElement>("button:not([disabled]), input:not([disabled])"),
  );
  const first = focusable[0];
  const last = focusable[focusable.length - 1];
  if (!first || !last) return;
  if (event.shiftKey && document.activeElement === first) {
    event.preventDefault();
    last.focus();
  } else if (!event.shiftKey && document.activeElement === last) {
    event.preventDefault();
    first.focus();
  }
}

/**
 * Pausing asks first, in a modal dialog (the browser traps focus in it and Escape cancels) that
 * names the agent and says what happens: a misclick should not stop an agent mid-job. Resuming is
 * one click. Both are in the audit log. Amber and outlined, so it never looks like the kill
 * switch, which stops every agent.
 */
export function AgentStatusButton({
  agentId,
  agentName,
  status,
}: {
  agentId: string;
  agentName: string;
  status: "active" | "paused";
}) {
  const router = useRouter();
  const queryClient = useQueryClient();
  const dialog = useRef<HTMLDialogElement>(null);
  const form = useRef<HTMLFormElement>(null);
  const [open, setOpen] = useState(false);
  const { pending, error, data, run, dismiss } = useAction(changeAgentStatus, {
    labels: { reason: "Reason" },
    onSuccess: async () => {
      dialog.current?.close();
      await queryClient.invalidateQueries({ queryKey: ["agents"] });
      router.refresh();
    },
  });
  const pausing = status === "active";
  const success =
    data === null
      ? null
      : data.status === "paused"
        ? "Agent paused: its next payment is refused with agent_paused."
        : "Agent resumed: it can pay again within its limits.";

  return (
    <div className="flex flex-col items-end gap-2">
      <Button
        variant={pausing ? "caution" : "primary"}
        onClick={() => {
          if (!pausing) return run({ agentId, status: "active" });
          dismiss();
          form.current?.reset();
          dialog.current?.showModal();
          setOpen(true);
        }}
        disabled={pending}
        aria-busy={pending}
        aria-haspopup={pausing ? "dialog" : undefined}
      >
        {pausing ? <PauseIcon /> : null}
        {pausing ? "Pause agent" : "Resume agent"}
      </Button>
      {pending && !pausing ? <span className="text-xs text-slate-600">Resuming…</span> : null}
      {(error && !open) || success ? (
        <div className="max-w-xs text-right">
          <FormMessage error={open ? null : error} success={success ?? undefined} />
        </div>
      ) : null}
      <dialog
        ref={dialog}
        aria-labelledby="pause-agent-title"
        aria-describedby="pause-agent-what"
        onClose={() => setOpen(false)}
        onKeyDown={trapFocus}
        className="m-auto w-full max-w-md rounded-lg p-6 shadow-xl backdrop:bg-black/40"
      >
        <form
          ref={form}
          noValidate
          onSubmit={(event) => run({ agentId, status: "paused", ...formFields(event, ["reason"]) })}
          className="flex flex-col gap-4"
        >
          <h2 id="pause-agent-title" className="text-lg font-semibold">
            Pause {agentName}?
          </h2>
          <p id="pause-agent-what" className="text-slate-700">
            Every payment <strong>{agentName}</strong> (<code>{agentId}</code>) attempts from now on is
            refused with agent_paused, until someone resumes it. Payments already signed finish and are
            recorded. Other agents keep paying; to stop every agent, use Stop all payments.
          </p>
          <Field id="pause-agent-reason" label="Reason (kept in the audit log)" hint="Optional.">
            {(control) => <Input {...control} name="reason" maxLength={500} autoComplete="off" />}
          </Field>
          <FormMessage error={error} />
          <div className="flex justify-end gap-2">
            <Button variant="secondary" onClick={() => dialog.current?.close()} autoFocus>
              Cancel
            </Button>
            <Button type="submit" variant="caution" disabled={pending} aria-busy={pending}>
              {pending ? "Pausing…" : `Pause ${agentName}`}
            </Button>
          </div>
        </form>
      </dialog>
    </div>
  );
}
