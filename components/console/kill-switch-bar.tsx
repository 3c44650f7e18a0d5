"use client";

import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { toggleKillSwitch } from "@/app/(console)/kill-switch/actions";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { ErrorSummary, FormMessage } from "@/components/ui/form-message";
import { Checkbox, Input } from "@/components/ui/input";
import { formFields, useAction } from "@/components/ui/use-action";
import { UtcTime } from "@/components/ui/utc-time";
import type { KillSwitchView } from "@/lib/dal/kill-switch";

/** "14 minutes ago", "2 hours 5 minutes ago", "3 days ago": how long since `iso`, as of `now`. */
function ago(iso: string, now: number): string {
  const minutes = Math.max(0, Math.floor((now - Date.parse(iso)) / 60_000));
  const unit = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
  if (minutes < 1) return "less than a minute ago";
  if (minutes < 60) return `${unit(minutes, "minute")} ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24)
    return `${unit(hours, "hour")}${minutes % 60 ? ` ${unit(minutes % 60, "minute")}` : ""} ago`;
  return `${unit(Math.floor(hours / 24), "day")} ago`;
}

/**
 * The clock for "… ago", ticking every 15 s; null until mounted, so the server's render and the
 * browser's first render agree (the exact UTC time shows until then).
 */
function useNow(): number | null {
  const [now, setNow] = useState<number | null>(null);
  useEffect(() => {
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), 15_000);
    return () => clearInterval(timer);
  }, []);
  return now;
}

/** While stopped: since when, by whom, why, and how many payments it has refused since. */
function StoppedDetails({ state, now }: { state: KillSwitchView; now: number | null }) {
  return (
    <>
      {state.env ? <p>X402_PAYMENTS_DISABLED is set in the environment.</p> : null}
      {state.database && state.updatedAt ? (
        <p>
          Stopped {now === null ? "at " : ""}
          {now === null ? (
            <UtcTime iso={state.updatedAt} />
          ) : (
            <span title={state.updatedAt}>{ago(state.updatedAt, now)}</span>
          )}{" "}
          by {state.updatedBy}
          {state.reason ? `: ${state.reason}` : ""}
        </p>
      ) : null}
      {state.refusedSince !== null ? (
        <p className="font-medium">
          {state.refusedSince === 1 ? "1 payment" : `${state.refusedSince.toLocaleString("en-US")} payments`}{" "}
          refused since
        </p>
      ) : null}
    </>
  );
}

/**
 * Visible on every console page; polls (the providers' 5 s interval) so a change made elsewhere
 * (CLI, another operator) and the refusal count show up. While payments are stopped it is a solid
 * red strip that stays at the top of the screen as the page scrolls.
 */
export function KillSwitchBar({ initial, canToggle }: { initial: KillSwitchView; canToggle: boolean }) {
  const queryClient = useQueryClient();
  const { data } = useQuery<KillSwitchView>({
    queryKey: ["kill-switch"],
    queryFn: () => fetch("/api/console/kill-switch").then((r) => r.json()),
    initialData: initial,
  });
  const state = data ?? initial;
  const dialog = useRef<HTMLDialogElement>(null);
  const form = useRef<HTMLFormElement>(null);
  const now = useNow();
  // The outcome of "and cancel outstanding authorizations", shown until the next toggle.
  const [notice, setNotice] = useState<{ ok: boolean; message: string } | null>(null);
  const { pending, errors, error, run, dismiss } = useAction(toggleKillSwitch, {
    labels: { reason: "Reason" },
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
      className={
        state.enabled
          ? "sticky top-0 z-30 flex flex-wrap items-center gap-x-4 gap-y-1 border-b-2 border-red-900 bg-red-700 px-6 py-3 text-sm text-white shadow-md"
          : "flex flex-wrap items-center gap-3 border-b border-slate-200 bg-white px-6 py-2 text-sm text-slate-700"
      }
    >
      <p
        role={state.enabled ? "alert" : undefined}
        className={state.enabled ? "text-base font-semibold" : "font-medium"}
      >
        {state.enabled ? "Payments are stopped (kill switch on)" : "Payments are running"}
      </p>
      {state.enabled ? <StoppedDetails state={state} now={now} /> : null}
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
            // Empty every time: a reason typed for the last toggle is not this one's.
            form.current?.reset();
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
        className="m-auto w-full max-w-md rounded-lg p-6 text-slate-900 shadow-xl backdrop:bg-black/40"
      >
        <form ref={form} onSubmit={submit} noValidate className="flex flex-col gap-4">
          <h2 id="kill-switch-title" className="text-lg font-semibold">
            {turningOn ? "Stop every payment now?" : "Resume payments?"}
          </h2>
          <p className="text-slate-700">
            {turningOn
              ? "Every agent's next payment is refused with payments_disabled. Payments already signed finish and are recorded."
              : "Agents can pay again from their next request, within their budgets."}
          </p>
          <Field id="kill-switch-reason" label="Reason (kept in the audit log)" error={errors.reason}>
            {(control) => <Input {...control} name="reason" required minLength={3} autoComplete="off" />}
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
          <ErrorSummary
            errors={errors}
            ids={{ reason: "kill-switch-reason", cancelOutstanding: "kill-switch-cancel" }}
          />
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
