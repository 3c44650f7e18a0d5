import { Money } from "@/components/ui/usd";
import type { CapWindowView } from "@/lib/dal/budget-caps";

/** A cap window's figures: spent + reserved of the cap, what is left, or "no cap". */
export function CapFigures({ label, window }: { label: string; window: CapWindowView | null }) {
  return (
    <div className="flex min-w-0 flex-col gap-0.5 text-sm [overflow-wrap:anywhere]">
      <span className="text-slate-600">{label}</span>
      {window === null ? (
        <span>No cap</span>
      ) : (
        <>
          <span className="font-medium">
            <Money micro={BigInt(window.spentMicro) + BigInt(window.reservedMicro)} /> of{" "}
            <Money micro={window.limitMicro} />
          </span>
          <span className="text-xs text-slate-600">
            <Money micro={window.spentMicro} /> spent, <Money micro={window.reservedMicro} /> reserved,{" "}
            <Money micro={window.remainingMicro} /> left
          </span>
        </>
      )}
    </div>
  );
}
