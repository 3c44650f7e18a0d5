"use client";

import { Money } from "@/components/ui/usd";
import type { AgentView } from "@/lib/dal/agents";
import {
  describeLimitWarning,
  type EnforcedFigures,
  limitOutlook,
  type ProposedLimits,
} from "@/lib/payment-core/budgets/limit-warnings";
import { parseUsdc } from "@/lib/payment-core/support/money";

/** What the operator typed as micro-USDC, or undefined while it is not a valid amount yet. */
export function typedAmount(text: string | undefined): bigint | undefined {
  if (text === undefined) return undefined;
  try {
    const micro = parseUsdc(text.trim().replace(/^\$/, ""));
    return micro > 0n ? micro : undefined;
  } catch {
    return undefined;
  }
}

/** The agent's figures as the engine enforces them (the server's view, polled). */
export function enforcedFigures(agent: AgentView): EnforcedFigures {
  return {
    dailyLimitMicro: BigInt(agent.daily.limitMicro),
    monthlyLimitMicro: BigInt(agent.monthly.limitMicro),
    perTransactionMaxMicro: BigInt(agent.perTransaction.limitMicro),
    hardLimitMicro: BigInt(agent.hardLimitMicro),
    dailyUsedMicro: BigInt(agent.daily.spentMicro) + BigInt(agent.daily.reservedMicro),
    monthlyUsedMicro: BigInt(agent.monthly.spentMicro) + BigInt(agent.monthly.reservedMicro),
  };
}

/** Warnings and the remaining room as a list; shared by the live preview and the saved result. */
export function OutlookText({
  warnings,
  remainingTodayMicro,
  remainingMonthMicro,
  when,
}: {
  warnings: string[];
  remainingTodayMicro: string | bigint;
  remainingMonthMicro: string | bigint;
  when: string;
}) {
  return (
    <div className="flex flex-col gap-2 text-sm">
      {warnings.length > 0 ? (
        <ul aria-label="Warnings" className="flex flex-col gap-1">
          {warnings.map((w) => (
            <li key={w} className="rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-amber-950">
              <span className="font-medium">Warning: </span>
              {w}
            </li>
          ))}
        </ul>
      ) : null}
      <p className="text-slate-700">
        Remaining {when}: today <Money micro={remainingTodayMicro} className="font-medium text-slate-900" />
        {" · "}this month <Money micro={remainingMonthMicro} className="font-medium text-slate-900" />
      </p>
    </div>
  );
}

/**
 * As the operator types: what the limits typed so far would do, from the figures the engine
 * enforces now. Nothing is shown for a change that is not a valid amount yet (its error comes
 * on saving). Announced politely, so a screen reader hears a new warning without losing focus.
 */
export function LiveOutlook({ agent, proposed }: { agent: AgentView; proposed: ProposedLimits }) {
  const valid = Object.values(proposed).some((v) => v !== undefined);
  const outlook = valid ? limitOutlook(enforcedFigures(agent), proposed) : null;
  return (
    <div aria-live="polite">
      {outlook ? (
        <OutlookText
          warnings={outlook.warnings.map(describeLimitWarning)}
          remainingTodayMicro={outlook.remainingTodayMicro}
          remainingMonthMicro={outlook.remainingMonthMicro}
          when="after this change"
        />
      ) : null}
    </div>
  );
}
