import { formatDollars, type Micro } from "../support/money";

/**
 * What a limit change will do, said before it is saved: the consequences the engine's checks
 * (decide.ts) imply for a new daily, monthly or per-transaction limit, from the figures it
 * enforces (its effective limits, the hard limit, spent + reserved in today's and this month's
 * windows). Warnings, not refusals: the change can still be saved. Pure, so the form (as the
 * operator types) and the server action (in the saved result) say the same thing.
 */

/** The agent's figures as the engine sees them now. */
export interface EnforcedFigures {
  dailyLimitMicro: Micro;
  monthlyLimitMicro: Micro;
  perTransactionMaxMicro: Micro;
  hardLimitMicro: Micro;
  /** Spent + reserved (in flight) today, UTC: what the engine adds a payment to. */
  dailyUsedMicro: Micro;
  monthlyUsedMicro: Micro;
}

/** The limits the operator is about to set; absent ones stay as they are. */
export interface ProposedLimits {
  dailyLimitMicro?: Micro;
  monthlyLimitMicro?: Micro;
  perTransactionMaxMicro?: Micro;
}

export type LimitWarning =
  | { code: "per_transaction_above_daily"; perTransactionMaxMicro: Micro; dailyLimitMicro: Micro }
  | {
      code: "per_transaction_above_hard_limit";
      perTransactionMaxMicro: Micro;
      hardLimitMicro: Micro;
      /** The largest single payment the engine will let through. */
      enforcedMicro: Micro;
    }
  | { code: "daily_not_above_spent"; limitMicro: Micro; usedMicro: Micro }
  | { code: "monthly_not_above_spent"; limitMicro: Micro; usedMicro: Micro };

export interface LimitOutlook {
  warnings: LimitWarning[];
  /** Room left today and this month once the change applies (never below 0). */
  remainingTodayMicro: Micro;
  remainingMonthMicro: Micro;
}

const room = (limit: Micro, used: Micro): Micro => (limit > used ? limit - used : 0n);

/** The warnings and the remaining room after applying `proposed` to `now`. */
export function limitOutlook(now: EnforcedFigures, proposed: ProposedLimits): LimitOutlook {
  const daily = proposed.dailyLimitMicro ?? now.dailyLimitMicro;
  const monthly = proposed.monthlyLimitMicro ?? now.monthlyLimitMicro;
  const perTx = proposed.perTransactionMaxMicro ?? now.perTransactionMaxMicro;
  const warnings: LimitWarning[] = [];
  // Only about what this change touches: an untouched limit's old problem is not news here.
  const touchesPerTx = proposed.perTransactionMaxMicro !== undefined;
  const touchesDaily = proposed.dailyLimitMicro !== undefined;
  if ((touchesPerTx || touchesDaily) && perTx > daily) {
    warnings.push({
      code: "per_transaction_above_daily",
      perTransactionMaxMicro: perTx,
      dailyLimitMicro: daily,
    });
  }
  if (touchesPerTx && perTx > now.hardLimitMicro) {
    warnings.push({
      code: "per_transaction_above_hard_limit",
      perTransactionMaxMicro: perTx,
      hardLimitMicro: now.hardLimitMicro,
      enforcedMicro: now.hardLimitMicro,
    });
  }
  // A payment passes when used + amount <= limit, and an amount is more than 0: a limit at or
  // below what is used refuses every payment until the window ends.
  if (touchesDaily && now.dailyUsedMicro > 0n && daily <= now.dailyUsedMicro) {
    warnings.push({ code: "daily_not_above_spent", limitMicro: daily, usedMicro: now.dailyUsedMicro });
  }
  if (
    proposed.monthlyLimitMicro !== undefined &&
    now.monthlyUsedMicro > 0n &&
    monthly <= now.monthlyUsedMicro
  ) {
    warnings.push({ code: "monthly_not_above_spent", limitMicro: monthly, usedMicro: now.monthlyUsedMicro });
  }
  return {
    warnings,
    remainingTodayMicro: room(daily, now.dailyUsedMicro),
    remainingMonthMicro: room(monthly, now.monthlyUsedMicro),
  };
}

/** A warning as the operator reads it. */
export function describeLimitWarning(w: LimitWarning): string {
  const $ = formatDollars;
  switch (w.code) {
    case "per_transaction_above_daily":
      return `Per-transaction max ${$(w.perTransactionMaxMicro)} is above the daily limit ${$(w.dailyLimitMicro)}: no payment can be larger than what is left of the daily limit, so a payment that size is refused.`;
    case "per_transaction_above_hard_limit":
      return `Per-transaction max ${$(w.perTransactionMaxMicro)} is above the hard limit ${$(w.hardLimitMicro)} (X402_HARD_LIMIT_USDC): ${$(w.enforcedMicro)} is what will actually be enforced for a single payment.`;
    case "daily_not_above_spent":
      return `Daily limit ${$(w.limitMicro)} is not above what is already spent today (${$(w.usedMicro)}, including payments in flight): payments will be refused until tomorrow (00:00 UTC).`;
    case "monthly_not_above_spent":
      return `Monthly limit ${$(w.limitMicro)} is not above what is already spent this month (${$(w.usedMicro)}, including payments in flight): payments will be refused until next month (the 1st, 00:00 UTC).`;
  }
}

/** The outlook for the wire (a server action's result): texts, and amounts as decimal strings. */
export function outlookForWire(outlook: LimitOutlook) {
  return {
    warnings: outlook.warnings.map(describeLimitWarning),
    remainingTodayMicro: outlook.remainingTodayMicro.toString(),
    remainingMonthMicro: outlook.remainingMonthMicro.toString(),
  };
}
