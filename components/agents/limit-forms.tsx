"use client";

import { useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useRef, useState } from "react";
import { requestMonthlyChange, saveLimits } from "@/app/(console)/agents/actions";
import { SubmitRow } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { ErrorSummary, FormMessage } from "@/components/ui/form-message";
import { Input, Textarea } from "@/components/ui/input";
import { Money, Price } from "@/components/ui/usd";
import { formFields, useAction } from "@/components/ui/use-action";
import { UtcTime } from "@/components/ui/utc-time";
import type { AgentView, AgentWindowView } from "@/lib/dal/agents";
import { formatUsdc } from "@/lib/payment-core/support/money";
import { SourceBadge } from "./badges";
import { LimitBacktest, type TypedLimits } from "./limit-backtest";
import { LiveOutlook, OutlookText, typedAmount } from "./limit-outlook";

/** An input's starting text: the limit as a plain decimal the form sends back ("150", "0.25"). */
function asInput(micro: string): string {
  return formatUsdc(BigInt(micro), 0);
}

const AMOUNT_LABELS = {
  dailyLimit: "Daily limit (USDC)",
  perTransactionMax: "Per-transaction max (USDC)",
  monthlyLimit: "Monthly limit (USDC)",
};

/** The fields' names in error messages ("Daily limit: enter an amount like 150 or 0.25"). */
const ERROR_LABELS: Record<string, string> = {
  dailyLimit: "Daily limit",
  perTransactionMax: "Per-transaction max",
  monthlyLimit: "Monthly limit",
  justification: "Justification",
};

/** Fixed control ids, so a form's error summary links to its fields. */
const FIELD_IDS: Record<string, string> = {
  dailyLimit: "limit-dailyLimit",
  perTransactionMax: "limit-perTransactionMax",
  monthlyLimit: "limit-monthlyLimit",
  justification: "limit-justification",
};

/** What the operator has typed so far, by field name (a field not touched yet is absent). */
function useTyped() {
  const [typed, setTyped] = useState<Record<string, string>>({});
  const onChange = (event: React.FormEvent<HTMLFormElement>) => {
    const target = event.target as HTMLInputElement;
    if (target.name) setTyped((t) => ({ ...t, [target.name]: target.value }));
  };
  return { typed, onChange };
}

/** The limits typed that are valid amounts other than the one in force (what to backtest), or null. */
function triedLimits(
  typed: Record<string, string>,
  inForce: Partial<Record<keyof TypedLimits, string>>,
): TypedLimits | null {
  const tried: TypedLimits = {};
  for (const [name, micro] of Object.entries(inForce) as [keyof TypedLimits, string][]) {
    const text = typed[name];
    const amount = typedAmount(text);
    if (text !== undefined && amount !== undefined && amount !== BigInt(micro)) tried[name] = text.trim();
  }
  return Object.keys(tried).length > 0 ? tried : null;
}

/** A limit's amount: starts at the limit in force, with its value and source in the hint. */
function AmountField({
  name,
  limit,
  errors,
  after,
}: {
  name: keyof typeof AMOUNT_LABELS;
  limit: Pick<AgentWindowView, "limitMicro" | "source" | "variable" | "setBy">;
  errors: Record<string, string>;
  /** The hint's words after "Now $150.00 [console]". */
  after: React.ReactNode;
}) {
  return (
    <Field
      id={FIELD_IDS[name]}
      label={AMOUNT_LABELS[name]}
      error={errors[name]}
      hint={
        <>
          <Now limit={limit} price={name === "perTransactionMax"} />
          {after}
        </>
      }
    >
      {(control) => (
        <Input
          {...control}
          name={name}
          inputMode="decimal"
          autoComplete="off"
          defaultValue={asInput(limit.limitMicro)}
          className="tabular-nums"
        />
      )}
    </Field>
  );
}

/** "Now $150.00 [console] per UTC day.": a limit's current value and where it comes from. */
function Now({
  limit,
  price,
}: {
  limit: Pick<AgentWindowView, "limitMicro" | "source" | "variable" | "setBy">;
  /** The per-transaction max is a bound on one price: it keeps its places. */
  price: boolean;
}) {
  return (
    <>
      Now {price ? <Price micro={limit.limitMicro} /> : <Money micro={limit.limitMicro} />}{" "}
      <SourceBadge source={limit.source} variable={limit.variable} setBy={limit.setBy} />
    </>
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

/** One limit form: its heading and what saving does, the fields, and the outcome. */
function LimitForm({
  id,
  title,
  intro,
  onSubmit,
  onChange,
  children,
}: {
  id: string;
  title: string;
  intro: React.ReactNode;
  onSubmit: (event: React.FormEvent<HTMLFormElement>) => void;
  onChange: (event: React.FormEvent<HTMLFormElement>) => void;
  children: React.ReactNode;
}) {
  return (
    <form
      onSubmit={onSubmit}
      onChange={onChange}
      noValidate
      aria-labelledby={id}
      className="flex flex-col gap-4"
    >
      <div>
        <h3 id={id} className="font-medium">
          {title}
        </h3>
        <p className="text-sm text-slate-700">{intro}</p>
      </div>
      {children}
    </form>
  );
}

/** Daily and per-transaction limits: operators change them directly, both at once. */
export function DailyLimitsForm({ agent }: { agent: AgentView }) {
  const { pending, errors, error, data, run } = useAction(saveLimits, {
    onSuccess: useAfterSave(),
    labels: ERROR_LABELS,
  });
  const { typed, onChange } = useTyped();
  const proposed = {
    dailyLimitMicro: typedAmount(typed.dailyLimit ?? asInput(agent.daily.limitMicro)),
    perTransactionMaxMicro: typedAmount(typed.perTransactionMax ?? asInput(agent.perTransaction.limitMicro)),
  };

  return (
    <LimitForm
      id="daily-limits-title"
      title="Daily and per-transaction limits"
      intro="Saved together as console limits (they take precedence over the environment) and applied from the next payment."
      onChange={onChange}
      onSubmit={(event) =>
        run({ agentId: agent.id, ...formFields(event, ["dailyLimit", "perTransactionMax"]) })
      }
    >
      <AmountField name="dailyLimit" limit={agent.daily} errors={errors} after=" per UTC day." />
      <AmountField
        name="perTransactionMax"
        limit={agent.perTransaction}
        errors={errors}
        after={
          <>
            . The hard limit of <Price micro={agent.hardLimitMicro} /> (X402_HARD_LIMIT_USDC) caps every
            payment whatever this says.
          </>
        }
      />
      <LiveOutlook agent={agent} proposed={proposed} />
      <LimitBacktest
        agentId={agent.id}
        typed={triedLimits(typed, {
          dailyLimit: agent.daily.limitMicro,
          perTransactionMax: agent.perTransaction.limitMicro,
        })}
      />
      <ErrorSummary errors={errors} ids={FIELD_IDS} />
      <SubmitRow pending={pending} label="Save limits" note="Saving…" />
      <FormMessage
        error={error}
        success={
          data === null ? null : data.changed.length === 0 ? (
            "Nothing to save: both limits already have these values."
          ) : (
            <>
              Saved: daily limit <Money micro={data.dailyLimitMicro} />, per-transaction max{" "}
              <Price micro={data.perTransactionMaxMicro} />. They apply from the agent's next payment.
            </>
          )
        }
      />
      {data ? <OutlookText {...data} when="now" /> : null}
    </LimitForm>
  );
}

/** The monthly button says what it will do: lowering applies at once, raising asks an approver. */
function monthlyButtonLabel(typed: bigint | undefined, current: bigint): string {
  if (typed === undefined || typed === current) return "Change monthly limit";
  return typed < current ? "Lower now" : "Request increase";
}

/**
 * The monthly limit. Raising it creates a change request an approver decides; lowering it applies
 * at once (see the text shown to the operator for why).
 */
export function MonthlyLimitForm({ agent, expiryDays }: { agent: AgentView; expiryDays: number }) {
  const afterSave = useAfterSave();
  const justification = useRef<HTMLTextAreaElement>(null);
  const { typed, onChange } = useTyped();
  const { pending, errors, error, data, run } = useAction(requestMonthlyChange, {
    labels: ERROR_LABELS,
    fields: {
      limit_unchanged: "monthlyLimit",
      invalid_amount: "monthlyLimit",
      invalid_justification: "justification",
    },
    onSuccess: async () => {
      if (justification.current) justification.current.value = "";
      await afterSave();
    },
  });

  const current = BigInt(agent.monthly.limitMicro);
  const monthly = typedAmount(typed.monthlyLimit ?? asInput(agent.monthly.limitMicro));

  return (
    <LimitForm
      id="monthly-limit-title"
      title="Monthly limit"
      intro={
        <>
          <strong>Raising</strong> the monthly limit needs a second person: this creates a request that an
          approver (not you) accepts or rejects on the Approvals page; it expires after {expiryDays} day
          {expiryDays === 1 ? "" : "s"} if nobody decides. <strong>Lowering</strong> it applies at once,
          because reducing what an agent may spend should never wait for anyone. Either way the justification
          is kept in the audit log.
        </>
      }
      onChange={onChange}
      onSubmit={(event) =>
        run({ agentId: agent.id, ...formFields(event, ["monthlyLimit", "justification"]) })
      }
    >
      {agent.pendingRequest ? (
        <p className="rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-900">
          Request #{agent.pendingRequest.id} to raise it to{" "}
          <Money micro={agent.pendingRequest.requestedLimitMicro} /> is waiting for an approver (asked by{" "}
          {agent.pendingRequest.requestedBy}, expires{" "}
          <UtcTime iso={agent.pendingRequest.expiresAt} withSeconds={false} />
          ). Another increase can be requested once it is decided.
        </p>
      ) : null}
      <AmountField name="monthlyLimit" limit={agent.monthly} errors={errors} after=" per UTC month." />
      <Field
        id={FIELD_IDS.justification}
        label="Justification"
        hint="Why the agent needs this limit; the approver reads it beside the agent's spend history (at least 10 characters)."
        error={errors.justification}
      >
        {(control) => <Textarea {...control} ref={justification} name="justification" rows={3} />}
      </Field>
      <LiveOutlook agent={agent} proposed={{ monthlyLimitMicro: monthly }} />
      <LimitBacktest
        agentId={agent.id}
        typed={triedLimits(typed, { monthlyLimit: agent.monthly.limitMicro })}
      />
      <ErrorSummary errors={errors} ids={FIELD_IDS} />
      <SubmitRow pending={pending} label={monthlyButtonLabel(monthly, current)} note="Sending…" />
      <FormMessage
        error={error}
        success={
          data === null ? null : data.outcome === "requested" ? (
            <>
              Request #{data.requestId} sent: monthly limit <Money micro={data.previousLimitMicro} /> →{" "}
              <Money micro={data.limitMicro} />. It applies once an approver accepts it on{" "}
              <Link href="/approvals" className="underline">
                Approvals
              </Link>{" "}
              (it expires <UtcTime iso={data.expiresAt} withSeconds={false} />
              ).
            </>
          ) : (
            <>
              Monthly limit lowered from <Money micro={data.previousLimitMicro} /> to{" "}
              <Money micro={data.limitMicro} />, effective from the next payment.
            </>
          )
        }
      />
      {data ? <OutlookText {...data} when={data.outcome === "requested" ? "once approved" : "now"} /> : null}
    </LimitForm>
  );
}
