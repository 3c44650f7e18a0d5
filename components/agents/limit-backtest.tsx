"use client";

import { useEffect, useState } from "react";
import { backtestAction } from "@/app/(console)/agents/actions";
import { Money } from "@/components/ui/usd";
import type { BacktestWire } from "@/lib/payment-core/budgets/backtest-wire";

/** The limits typed so far, as the form's text (only the valid ones; absent is the limit in force). */
export interface TypedLimits {
  dailyLimit?: string;
  monthlyLimit?: string;
  perTransactionMax?: string;
}

const DEBOUNCE_MS = 400;
const SHOWN = 5;

type State =
  | { kind: "idle" }
  | { kind: "loading" }
  | { kind: "done"; result: BacktestWire }
  | { kind: "error"; message: string };

const plural = (n: number, one: string) => `${n.toLocaleString("en-US")} ${one}${n === 1 ? "" : "s"}`;

/**
 * The policy backtest beside the limit fields: once the operator types a limit other than the one in
 * force, what it would have refused of this agent's payments over the last 30 UTC days (a read-only
 * server action, debounced; the answer for an older value is dropped when a newer one is on its way).
 */
export function LimitBacktest({ agentId, typed }: { agentId: string; typed: TypedLimits | null }) {
  const [state, setState] = useState<State>({ kind: "idle" });
  const key = typed ? JSON.stringify(typed) : null;

  useEffect(() => {
    if (key === null) {
      setState({ kind: "idle" });
      return;
    }
    let stale = false;
    setState({ kind: "loading" });
    const timer = setTimeout(async () => {
      try {
        const r = await backtestAction({ agentId, ...(JSON.parse(key) as TypedLimits) });
        if (stale) return;
        setState(r.ok ? { kind: "done", result: r.data } : { kind: "error", message: r.message });
      } catch {
        if (!stale) setState({ kind: "error", message: "the backtest could not run; try again" });
      }
    }, DEBOUNCE_MS);
    return () => {
      stale = true;
      clearTimeout(timer);
    };
  }, [agentId, key]);

  if (state.kind === "idle") return null;
  return (
    <section
      aria-label="Backtest of these limits"
      aria-live="polite"
      aria-busy={state.kind === "loading"}
      className="rounded-md border border-slate-200 bg-slate-50 px-3 py-2 text-sm text-slate-800"
    >
      {state.kind === "loading" ? <p>Trying these limits on the last 30 days of payments…</p> : null}
      {state.kind === "error" ? <p className="text-red-800">Backtest: {state.message}</p> : null}
      {state.kind === "done" ? <BacktestResult result={state.result} /> : null}
    </section>
  );
}

function BacktestResult({ result }: { result: BacktestWire }) {
  const { proposed, current, payments } = result;
  if (payments.count === 0) return <p>No payments in the last {result.days} days to try these limits on.</p>;
  const refused = proposed.refused;
  return (
    <div className="flex flex-col gap-1">
      <p>
        With these limits over the last {result.days} days (UTC, {result.from} to {result.to}):{" "}
        <strong className="font-medium text-slate-900">
          {refused.count === 0 ? (
            "no payment would have been refused"
          ) : (
            <>
              {plural(refused.count, "payment")} (<Money micro={refused.amountMicro} />) would have been
              refused
            </>
          )}
        </strong>{" "}
        of {plural(payments.count, "payment")} (<Money micro={payments.amountMicro} />
        ). With the limits in force: {plural(current.refused.count, "refusal")} (
        <Money micro={current.refused.amountMicro} />
        ).
      </p>
      {refused.count > 0 ? (
        <>
          <p>
            On{" "}
            {proposed.byDay
              .slice(-SHOWN)
              .reverse()
              .map((d, i) => (
                <span key={d.day}>
                  {i > 0 ? ", " : ""}
                  {d.day} ({d.count})
                </span>
              ))}
            {proposed.byDay.length > SHOWN ? ` and ${plural(proposed.byDay.length - SHOWN, "more day")}` : ""}
            .
          </p>
          <p>
            To{" "}
            {proposed.byVendor.slice(0, SHOWN).map((v, i) => (
              <span key={v.vendor}>
                {i > 0 ? ", " : ""}
                <span className="break-all">{v.vendor || "(no vendor)"}</span> {v.count} (
                <Money micro={v.amountMicro} />)
              </span>
            ))}
            {proposed.byVendor.length > SHOWN
              ? ` and ${plural(proposed.byVendor.length - SHOWN, "more vendor")}`
              : ""}
            .
          </p>
        </>
      ) : null}
    </div>
  );
}
