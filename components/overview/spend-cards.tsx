import { Money } from "@/components/ui/usd";
import type { OverviewView } from "@/lib/dal/overview";
import type { WindowUsage } from "@/lib/payment-core/budgets/usage";
import type { Wire } from "@/lib/wire";
import { Panel } from "./panel";

const RESERVED_INFO =
  "Committed spend of every agent, from the budget windows the engine keeps. Reserved is money held by payments still in flight: it becomes spend or is released.";

export function SpendCards({ spend }: { spend: OverviewView["spend"] }) {
  return (
    <>
      <SpendCard
        title="Spend today"
        window={`UTC day ${spend.day}`}
        spentMicro={spend.daySpentMicro}
        reservedMicro={spend.dayReservedMicro}
      />
      <SpendCard
        title="Spend this month"
        window={`UTC month ${spend.month.slice(0, 7)}`}
        spentMicro={spend.monthSpentMicro}
        reservedMicro={spend.monthReservedMicro}
      />
    </>
  );
}

function SpendCard(
  props: { title: string; window: string } & Wire<Pick<WindowUsage, "spentMicro" | "reservedMicro">>,
) {
  return (
    <Panel title={props.title} subtitle={props.window} info={RESERVED_INFO}>
      <p>
        <Money micro={props.spentMicro} className="text-3xl font-semibold text-slate-900" />
      </p>
      <p className="text-sm text-slate-700">
        + <Money micro={props.reservedMicro} /> reserved in flight
      </p>
    </Panel>
  );
}
