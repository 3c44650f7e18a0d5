"use client";

import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useRef, useState } from "react";
import { toggleKillSwitch } from "@/app/(console)/kill-switch-actions";
import type { KillSwitchView } from "@/lib/dal/kill-switch";
import { UtcTime } from "../ui/usd";

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
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  // The outcome of "and cancel outstanding authorizations", shown until the next toggle.
  const [notice, setNotice] = useState<{ ok: boolean; message: string } | null>(null);
  const turningOn = !state.database;

  async function submit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setPending(true);
    setError(null);
    const form = new FormData(event.currentTarget);
    const result = await toggleKillSwitch({
      enabled: turningOn,
      reason: String(form.get("reason") ?? ""),
      cancelOutstanding: turningOn && form.get("cancelOutstanding") === "on",
    });
    setPending(false);
    if (!result.ok) {
      setError(result.message);
      return;
    }
    setNotice(result.data.cancelOutstanding);
    dialog.current?.close();
    await queryClient.invalidateQueries({ queryKey: ["kill-switch"] });
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
        <button
          type="button"
          onClick={() => {
            setError(null);
            setNotice(null);
            dialog.current?.showModal();
          }}
          className={`ml-auto rounded-md px-3 py-1 font-medium text-white focus-visible:outline-2 focus-visible:outline-offset-2 ${turningOn ? "bg-red-700 hover:bg-red-800 focus-visible:outline-red-700" : "bg-slate-900 hover:bg-slate-700 focus-visible:outline-slate-900"}`}
        >
          {turningOn ? "Stop all payments" : "Resume payments"}
        </button>
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
          <label className="flex flex-col gap-1 text-sm font-medium">
            Reason (kept in the audit log)
            <input
              name="reason"
              required
              minLength={3}
              className="rounded-md border border-slate-300 px-3 py-2 font-normal"
            />
          </label>
          {turningOn ? (
            <div className="flex items-start gap-2">
              <input
                id="kill-switch-cancel"
                name="cancelOutstanding"
                type="checkbox"
                aria-describedby="kill-switch-cancel-hint"
                className="mt-1 size-4 accent-red-700"
              />
              <div className="flex flex-col">
                <label htmlFor="kill-switch-cancel" className="text-sm font-medium">
                  and cancel outstanding authorizations
                </label>
                <p id="kill-switch-cancel-hint" className="text-xs text-slate-600">
                  Signed but unsettled authorizations are cancelled on chain, so no vendor can settle them
                  later; their reservations are released. Each cancellation costs the payer gas.
                </p>
              </div>
            </div>
          ) : null}
          {error ? (
            <p role="alert" className="text-sm text-red-800">
              {error}
            </p>
          ) : null}
          <div className="flex justify-end gap-2">
            <button
              type="button"
              onClick={() => dialog.current?.close()}
              className="rounded-md border border-slate-300 px-3 py-1.5"
            >
              Cancel
            </button>
            <button
              type="submit"
              disabled={pending}
              className={`rounded-md px-3 py-1.5 font-medium text-white disabled:opacity-60 ${turningOn ? "bg-red-700" : "bg-slate-900"}`}
            >
              {pending ? "Saving…" : turningOn ? "Stop payments" : "Resume payments"}
            </button>
          </div>
        </form>
      </dialog>
    </section>
  );
}
