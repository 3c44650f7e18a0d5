import { Fact, Facts } from "@/components/ui/facts";
import { Money } from "@/components/ui/usd";
import { UtcTime } from "@/components/ui/utc-time";
import type { RateRunway } from "@/lib/payment-core/treasury/runway";
import { hoursLeftText, windowName } from "@/lib/payment-core/treasury/runway-text";
import type { Wire } from "@/lib/wire";

/**
 * The runway at one rate, from its browser form (decimal strings and ISO times), so the overview's
 * client dashboard can show it as the Treasury page does. No server-only import here.
 */
export type RateRunwayView = Wire<RateRunway>;

function hoursLeft(rate: RateRunwayView): string {
  const text = hoursLeftText({
    windowHours: rate.windowHours,
    hoursLeft: rate.hoursLeft === null ? null : BigInt(rate.hoursLeft),
    daysLeft: rate.daysLeft === null ? null : BigInt(rate.daysLeft),
  });
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** When (or whether) the balance crosses the low-balance line at this rate, as a fact's value. */
export function LowLineValue({ rate, lowBalanceMicro }: { rate: RateRunwayView; lowBalanceMicro: string }) {
  const line = (
    <>
      the <Money micro={lowBalanceMicro} /> low-balance line
    </>
  );
  switch (rate.lowLine) {
    case "crosses":
      return rate.lowLineAt ? (
        <>
          <UtcTime iso={rate.lowLineAt} withSeconds={false} />
          <span className="block text-xs text-slate-600">when the balance reaches {line}</span>
        </>
      ) : null;
    case "below":
      return <span className="font-medium text-red-800">Already below {line}</span>;
    case "open_payments":
      return (
        <span className="font-medium text-amber-900">
          Open payments take it below {line} when they settle
        </span>
      );
    case "no_spend":
      return <span>Never at this rate: no spend in the last {windowName(rate.windowHours)}</span>;
    case "beyond":
      return <span>After the year 9999</span>;
  }
}

/** Spent, rate, runway and the low-line date at one window's rate, as a titled card. */
export function RateRunwayFacts({
  rate,
  lowBalanceMicro,
}: {
  rate: RateRunwayView;
  lowBalanceMicro: string;
}) {
  const name = rate.windowHours === 24 ? "24 hours" : windowName(rate.windowHours);
  return (
    <Facts title={`At the last ${name}' rate`}>
      <Fact label={`Spent in the last ${name}`}>
        <Money micro={rate.spentMicro} />
      </Fact>
      <Fact label="Per hour">
        <Money micro={rate.perHourMicro} />
      </Fact>
      <Fact label="Runway">{hoursLeft(rate)}</Fact>
      <Fact label="Low-balance line">
        <LowLineValue rate={rate} lowBalanceMicro={lowBalanceMicro} />
      </Fact>
    </Facts>
  );
}
