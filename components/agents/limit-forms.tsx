"use client";

import { useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useId } from "react";
import { requestMonthlyChange, saveLimits } from "@/app/(console)/agents/actions";
import type { AgentView } from "@/lib/dal/agents";
import { formatUsdc } from "@/lib/payment-core/money";
import { Usd, UtcTime } from "../ui/usd";
import { SourceBadge } from "./badges";
import { FieldError, FormMessage, inputClass, primaryButtonClass, useActionForm } from "./form-feedback";

/** An input's starting text: the limit as a plain decimal the form sends back ("150", "0.25"). */
function asInput(micro: string): string {
  return formatUsdc(BigInt(micro), 0);
}

function AmountField({
  name,
  label,
  defaultValue,
  error,
  hint,
}: {
  name: string;
  label: string;
  defaultValue: string;
  error: string | undefined;
  hint: React.ReactNode;
}) {
  const id = useId();
  return (
    <div className="flex flex-col gap-1">
      <label htmlFor={id} className="text-sm font-medium">
        {label}
      </label>
      <input
        id={id}
        name={name}
        inputMode="decimal"
        autoComplete="off"
        defaultValue={defaultValue}
        aria-invalid={error ? true : undefined}
        aria-describedby={`${id}-hint${error ? ` ${id}-error` : ""}`}
        className={inputClass}
      />
      <p id={`${id}-hint`} className="text-xs text-slate-600">
        {hint}
      </p>
      <FieldError id={`${id}-error`} message={error} />
    </div>
  );
}

function useAfterSave() {
  const router = useRouter();
  const queryClient = useQueryClient();
  return async () => {
    await queryClient.invalidateQueries({ queryKey: ["agents"] });
    router.refresh();
  };
}

/** Daily and per-transaction limits: operators change them directly, both at once. */
export function DailyLimitsForm({ agent }: { agent: AgentView }) {
  const afterSave = useAfterSave();
  const { pending, errors, error, success, submit } = useActionForm();

  async function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    await submit(
      () =>
        saveLimits({
          agentId: agent.id,
          dailyLimit: String(form.get("dailyLimit") ?? ""),
          perTransactionMax: String(form.get("perTransactionMax") ?? ""),
        }),
      {
        success: (data) =>
          data.changed.length === 0 ? (
            "Nothing to save: both limits already have these values."
          ) : (
            <>
              Saved: daily limit <Usd micro={data.dailyLimitMicro} />, per-transaction max{" "}
              <Usd micro={data.perTransactionMaxMicro} />. They apply from the agent's next payment.
            </>
          ),
        after: afterSave,
      },
    );
  }

  return (
    <form onSubmit={onSubmit} noValidate aria-labelledby="daily-limits-title" className="flex flex-col gap-4">
      <div>
        <h3 id="daily-limits-title" className="font-medium">
          Daily and per-transaction limits
        </h3>
        <p className="text-sm text-slate-700">
          Saved together as console limits (they take precedence over the environment) and applied from the
          next payment.
        </p>
      </div>
      <AmountField
        name="dailyLimit"
        label="Daily limit (USDC)"
        defaultValue={asInput(agent.daily.limitMicro)}
        error={errors.dailyLimit}
        hint={
          <>
            Now <Usd micro={agent.daily.limitMicro} />{" "}
            <SourceBadge
              source={agent.daily.source}
              variable={agent.daily.variable}
              setBy={agent.daily.setBy}
            />{" "}
            per UTC day.
          </>
        }
      />
      <AmountField
        name="perTransactionMax"
        label="Per-transaction max (USDC)"
        defaultValue={asInput(agent.perTransaction.limitMicro)}
        error={errors.perTransactionMax}
        hint={
          <>
            Now <Usd micro={agent.perTransaction.limitMicro} />{" "}
            <SourceBadge
              source={agent.perTransaction.source}
              variable={agent.perTransaction.variable}
              setBy={agent.perTransaction.setBy}
            />
            . The hard limit of <Usd micro={agent.hardLimitMicro} /> (X402_HARD_LIMIT_USDC) caps every payment
            whatever this says.
          </>
        }
      />
      <div className="flex items-center gap-3">
        <button type="submit" disabled={pending} aria-busy={pending} className={primaryButtonClass}>
          Save limits
        </button>
        {pending ? <span className="text-sm text-slate-600">Saving…</span> : null}
      </div>
      <FormMessage error={error} success={success} />
    </form>
  );
}

/**
 * The monthly limit. Raising it creates a change request an approver decides; lowering it applies
 * at once (see the text shown to the operator for why).
 */
export function MonthlyLimitForm({ agent, expiryDays }: { agent: AgentView; expiryDays: number }) {
  const afterSave = useAfterSave();
  const justificationId = useId();
  const { pending, errors, error, success, submit } = useActionForm();

  async function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const formElement = event.currentTarget;
    const form = new FormData(formElement);
    await submit(
      () =>
        requestMonthlyChange({
          agentId: agent.id,
          monthlyLimit: String(form.get("monthlyLimit") ?? ""),
          justification: String(form.get("justification") ?? ""),
        }),
      {
        success: (data) =>
          data.outcome === "requested" ? (
            <>
              Request #{data.requestId} sent: monthly limit <Usd micro={data.previousLimitMicro} /> →{" "}
              <Usd micro={data.limitMicro} />. It applies once an approver accepts it on{" "}
              <Link href="/approvals" className="underline">
                Approvals
              </Link>{" "}
              (it expires <UtcTime iso={data.expiresAt} withSeconds={false} />
              ).
            </>
          ) : (
            <>
              Monthly limit lowered from <Usd micro={data.previousLimitMicro} /> to{" "}
              <Usd micro={data.limitMicro} />, effective from the next payment.
            </>
          ),
        fields: {
          limit_unchanged: "monthlyLimit",
          invalid_amount: "monthlyLimit",
          invalid_justification: "justification",
        },
        after: async () => {
          const justification = formElement.elements.namedItem("justification");
          if (justification instanceof HTMLTextAreaElement) justification.value = "";
          await afterSave();
        },
      },
    );
  }

  const justificationError = errors.justification;
  return (
    <form
      onSubmit={onSubmit}
      noValidate
      aria-labelledby="monthly-limit-title"
      className="flex flex-col gap-4"
    >
      <div>
        <h3 id="monthly-limit-title" className="font-medium">
          Monthly limit
        </h3>
        <p className="text-sm text-slate-700">
          <strong>Raising</strong> the monthly limit needs a second person: this creates a request that an
          approver (not you) accepts or rejects on the Approvals page; it expires after {expiryDays} day
          {expiryDays === 1 ? "" : "s"} if nobody decides. <strong>Lowering</strong> it applies at once,
          because reducing what an agent may spend should never wait for anyone. Either way the justification
          is kept in the audit log.
        </p>
      </div>
      {agent.pendingRequest ? (
        <p className="rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-900">
          Request #{agent.pendingRequest.id} to raise it to{" "}
          <Usd micro={agent.pendingRequest.requestedLimitMicro} /> is waiting for an approver (asked by{" "}
          {agent.pendingRequest.requestedBy}, expires{" "}
          <UtcTime iso={agent.pendingRequest.expiresAt} withSeconds={false} />
          ). Another increase can be requested once it is decided.
        </p>
      ) : null}
      <AmountField
        name="monthlyLimit"
        label="Monthly limit (USDC)"
        defaultValue={asInput(agent.monthly.limitMicro)}
        error={errors.monthlyLimit}
        hint={
          <>
            Now <Usd micro={agent.monthly.limitMicro} />{" "}
            <SourceBadge
              source={agent.monthly.source}
              variable={agent.monthly.variable}
              setBy={agent.monthly.setBy}
            />{" "}
            per UTC month.
          </>
        }
      />
      <div className="flex flex-col gap-1">
        <label htmlFor={justificationId} className="text-sm font-medium">
          Justification
        </label>
        <textarea
          id={justificationId}
          name="justification"
          rows={3}
          aria-invalid={justificationError ? true : undefined}
          aria-describedby={`${justificationId}-hint${justificationError ? ` ${justificationId}-error` : ""}`}
          className={inputClass}
        />
        <p id={`${justificationId}-hint`} className="text-xs text-slate-600">
          Why the agent needs this limit; the approver reads it beside the agent's spend history (at least 10
          characters).
        </p>
        <FieldError id={`${justificationId}-error`} message={justificationError} />
      </div>
      <div className="flex items-center gap-3">
        <button type="submit" disabled={pending} aria-busy={pending} className={primaryButtonClass}>
          Request monthly change
        </button>
        {pending ? <span className="text-sm text-slate-600">Sending…</span> : null}
      </div>
      <FormMessage error={error} success={success} />
    </form>
  );
}
