import type { Backtest } from "./backtest";
import type { BacktestLimit, BacktestOutcome, Tally } from "./backtest-replay";

/** The backtest as a server action hands it to the browser: bigint amounts as decimal strings. */

/** A tally as the console receives it: amounts as micro-USDC strings (no bigint on the wire). */
export interface TallyWire {
  count: number;
  amountMicro: string;
}

const tallyWire = (t: Tally): TallyWire => ({ count: t.count, amountMicro: t.amountMicro.toString() });

function outcomeWire(o: BacktestOutcome) {
  return {
    limits: {
      dailyMicro: o.limits.dailyMicro.toString(),
      monthlyMicro: o.limits.monthlyMicro.toString(),
      perTransactionMicro: o.limits.perTransactionMicro.toString(),
    },
    refused: tallyWire(o.refused),
    byLimit: Object.fromEntries(Object.entries(o.byLimit).map(([k, t]) => [k, tallyWire(t)])) as Record<
      BacktestLimit,
      TallyWire
    >,
    byDay: o.byDay.map((d) => ({ day: d.day, ...tallyWire(d) })),
    byVendor: o.byVendor.map((v) => ({ vendor: v.vendor, ...tallyWire(v) })),
  };
}

/** The backtest for a server action's answer. */
export function backtestForWire(b: Backtest) {
  return {
    agentId: b.agentId,
    days: b.days,
    from: b.from,
    to: b.to,
    payments: tallyWire(b.payments),
    proposed: outcomeWire(b.proposed),
    current: outcomeWire(b.current),
  };
}

export type BacktestWire = ReturnType<typeof backtestForWire>;
