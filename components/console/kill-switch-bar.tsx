"use client";

import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useRef, useState } from "react";
import { toggleKillSwitch } from "@/app/(console)/kill-switch/actions";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { FormMessage } from "@/components/ui/form-message";
import { Checkbox, Input } from "@/components/ui/input";
import { formFields, useAction } from "@/components/ui/use-action";
import { UtcTime } from "@/components/ui/utc-time";
import type { KillSwitchView } from "@/lib/dal/kill-switch";

/** Visible on every console page; polls so a change made elsewhere (CLI, another operator) shows up. */
export function KillSwitchBar({ initial, canToggle }: { initial: KillSwitchView; canToggle: boolean }) {
  const queryClient = useQueryClient();
  const { data } = useQuery<KillSwitchView>({
    queryKey: ["kill-switch"],
    queryFn: () => fetch("/api/console/kill-switch").then((r) => r.json()),
    initialData: initial,
  });
  const state = data ?? initial;
  const dialog = useRef<HTMLDialogElement>(null);
  // The outcome of "and cancel outstanding authorizations", shown until the next toggle.
  const [notice, setNotice] = useState<{ ok: boolean; message: string } | null>(null);
  const { pending, errors, error, run, dismiss } = useAction(toggleKillSwitch, {
    onSuccess: async (data) => {
      setNotice(data.cancelOutstanding);
      dialog.current?.close();
      await queryClient.invalidateQueries({ queryKey: ["kill-switch"] });
    },
  });
  const turningOn = !state.database;

  function submit(event: React.FormEvent<HTMLFormElement>) {
    const { reason, cancelOutstanding } = formFields(event, ["reason", "cancelOutstanding"]);
    run({ enabled: turningOn, reason, cancelOutstanding: turningOn && cancelOutstanding === "on" });
  }

  return (
    <section
      aria-label="Kill switch"
      className={`flex flex-wrap items-center gap-3 border-b px-6 py-2 text-sm ${state.enabled ? "border-red-300 bg-red-50 text-red-900" : "border-slate-200 bg-white text-slate-700"}`}
    >
      <p role={state.enabled ? "alert" : undefined} className="font-medium">
        {state.enabled ? "Payments are stopped (kill switch on)" : "Payments are running"}
      </p>
      {state.env ? <p>X402_PAYMENTS_DISABLED is set in the environment.</p> : null}
      {state.database && state.updatedAt ? (
        <p>
          by {state.updatedBy} at <UtcTime iso={state.updatedAt} />
          {state.reason ? `: ${state.reason}` : ""}
        </p>
      ) : null}
      {notice ? (
        <p
          role={notice.ok ? "status" : "alert"}
          className={`basis-full rounded-md px-3 py-1.5 ${notice.ok ? "bg-white/70 text-slate-900" : "bg-red-100 text-red-900"}`}
        >
          {notice.message}
        </p>
      ) : null}
      {canToggle ? (
        <Button
          variant={turningOn ? "danger" : "primary"}
          size="sm"
          onClick={() => {
            dismiss();
            setNotice(null);
            dialog.current?.showModal();
          }}
          className="ml-auto"
        >
          {turningOn ? "Stop all payments" : "Resume payments"}
        </Button>
      ) : null}
      <dialog
        ref={dialog}
        aria-labelledby="kill-switch-title"
        className="m-auto w-full max-w-md rounded-lg p-6 shadow-xl backdrop:bg-black/40"
      >
        <form onSubmit={submit} className="flex flex-col gap-4">
          <h2 id="kill-switch-title" className="text-lg font-semibold">
            {turningOn ? "Stop every payment now?" : "Resume payments?"}
          </h2>
          <p className="text-slate-700">
            {turningOn
              ? "Every agent's next payment is refused with payments_disabled. Payments already signed finish and are recorded."
              : "Agents can pay again from their next request, within their budgets."}
          </p>
          <Field id="kill-switch-reason" label="Reason (kept in the audit log)" error={errors.reason}>
            {(control) => <Input {...control} name="reason" required minLength={3} />}
          </Field>
          {turningOn ? (
            <Checkbox
              id="kill-switch-cancel"
              name="cancelOutstanding"
              label="and cancel outstanding authorizations"
              hint="Signed but unsettled authorizations are cancelled on chain, so no vendor can settle them later; their reservations are released. Each cancellation costs the payer gas."
              className="accent-red-700"
            />
          ) : null}
          <FormMessage error={error} />
          <div className="flex justify-end gap-2">
            <Button variant="secondary" onClick={() => dialog.current?.close()}>
              Cancel
            </Button>
            <Button type="submit" variant={turningOn ? "danger" : "primary"} disabled={pending}>
              {pending ? "Saving…" : turningOn ? "Stop payments" : "Resume payments"}
            </Button>
          </div>
        </form>
      </dialog>
    </section>
  );
}
