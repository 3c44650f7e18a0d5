"use client";

import { useRouter } from "next/navigation";
import { useId, useState } from "react";
import { saveCaps } from "@/app/(console)/overview/actions";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { ErrorSummary, FormMessage } from "@/components/ui/form-message";
import { Input, Select } from "@/components/ui/input";
import { formFields, useAction } from "@/components/ui/use-action";
import { formatDollars, formatUsdc } from "@/lib/payment-core/support/money";

const LABELS = { daily: "Daily cap", monthly: "Monthly cap", agentId: "Agent", reason: "Reason" };

/**
 * The form that sets one scope's caps (the fleet, a vendor for all agents, or a vendor for one
 * agent): a daily and a monthly amount, empty for no cap. With `agents` it asks which agent (one
 * must be chosen: this form adds a per-agent cap, the all-agents caps have their own form). Lowering or adding a cap is an operator's; raising or removing one
 * an approver's, which the server judges again (`forbidden`, nothing saved).
 */
export function CapForm({
  vendor,
  agentId,
  agents,
  current,
  canLoosen,
  label,
}: {
  vendor: string | null;
  agentId?: string | null;
  /** Offer a choice of agent (a new per-agent cap at this vendor). */
  agents?: readonly string[];
  current: { dailyMicro: string | null; monthlyMicro: string | null };
  canLoosen: boolean;
  /** The form's accessible name ("Set the fleet's caps"). */
  label: string;
}) {
  const router = useRouter();
  const base = useId();
  const ids = {
    daily: `${base}-daily`,
    monthly: `${base}-monthly`,
    agentId: `${base}-agent`,
    reason: `${base}-reason`,
  };
  const { pending, errors, error, data, result, run } = useAction(saveCaps, {
    fields: { invalid_amount: "daily", unknown_agent: "agentId" },
    labels: LABELS,
    onSuccess: () => router.refresh(),
  });
  // The "add an agent's caps" form names an agent: left empty it would change the all-agents caps.
  const [noAgent, setNoAgent] = useState(false);
  const code = result && !result.ok ? result.code : null;
  const money = (m: string | null) => (m === null ? "none" : formatDollars(BigInt(m)));
  const saved = data
    ? `Saved. Daily cap ${money(data.dailyMicro)}, monthly cap ${money(data.monthlyMicro)}, from the next payment.`
    : null;
  const typed = (m: string | null) => (m === null ? "" : formatUsdc(BigInt(m), 0));
  return (
    <form
      onSubmit={(event) => {
        const f = formFields(event, ["daily", "monthly", "reason", "agentId"]);
        setNoAgent(agents !== undefined && f.agentId === "");
        if (agents !== undefined && f.agentId === "") return;
        run({
          vendor: vendor ?? "",
          agentId: agents ? f.agentId : (agentId ?? ""),
          daily: f.daily,
          monthly: f.monthly,
          reason: f.reason,
        });
      }}
      noValidate
      aria-label={label}
      className="flex min-w-0 flex-col gap-3 rounded-lg border border-slate-200 p-3"
    >
      {agents ? (
        <Field
          id={ids.agentId}
          label="Agent"
          error={noAgent ? "Agent: choose the agent these caps are for" : errors.agentId}
        >
          {(control) => (
            <Select {...control} name="agentId" defaultValue="" className="max-w-full">
              <option value="">Choose an agent</option>
              {agents.map((a) => (
                <option key={a} value={a}>
                  {a}
                </option>
              ))}
            </Select>
          )}
        </Field>
      ) : null}
      <div className="flex flex-wrap gap-3">
        <Field
          id={ids.daily}
          label="Daily cap (USDC, UTC day)"
          error={errors.daily}
          className="min-w-0 flex-1"
        >
          {(control) => (
            <Input
              {...control}
              name="daily"
              inputMode="decimal"
              autoComplete="off"
              defaultValue={typed(current.dailyMicro)}
              className="w-full min-w-0"
            />
          )}
        </Field>
        <Field
          id={ids.monthly}
          label="Monthly cap (USDC, UTC month)"
          error={errors.monthly}
          className="min-w-0 flex-1"
        >
          {(control) => (
            <Input
              {...control}
              name="monthly"
              inputMode="decimal"
              autoComplete="off"
              defaultValue={typed(current.monthlyMicro)}
              className="w-full min-w-0"
            />
          )}
        </Field>
      </div>
      <p className="text-xs text-slate-600">
        Empty is no cap.{" "}
        {canLoosen
          ? "Raising or removing a cap lets more be spent."
          : "You may lower a cap or add one; raising or removing one needs the approver role."}
      </p>
      <Field id={ids.reason} label="Reason (kept in the audit log)" hint="Optional." error={errors.reason}>
        {(control) => <Input {...control} name="reason" autoComplete="off" className="w-full min-w-0" />}
      </Field>
      <ErrorSummary
        errors={noAgent ? { ...errors, agentId: "Agent: choose the agent these caps are for" } : errors}
        ids={ids}
      />
      <FormMessage
        error={
          error ? (
            <>
              {error} <code className="text-xs">({code})</code>
            </>
          ) : null
        }
        success={saved}
      />
      <div>
        <Button type="submit" disabled={pending}>
          {pending ? "Saving…" : "Save caps"}
        </Button>
      </div>
    </form>
  );
}
