import { Badge, STATUS_TONES } from "@/components/ui/status-badge";
import type { LimitSource } from "@/lib/payment-core/budgets/config";

const SOURCE_TEXT: Record<LimitSource, string> = {
  console: "set in the console",
  env: "from the environment",
  default: "built-in default",
};

/** Where a limit comes from (console > env > default), with the detail in its title. */
export function SourceBadge({
  source,
  variable,
  setBy,
}: {
  source: LimitSource;
  variable?: string | null;
  setBy?: string | null;
}) {
  const detail =
    source === "env" && variable ? variable : source === "console" && setBy ? `set by ${setBy}` : null;
  return (
    <Badge tone={STATUS_TONES.source[source]} title={`${SOURCE_TEXT[source]}${detail ? `: ${detail}` : ""}`}>
      <span className="sr-only">source: </span>
      {source}
    </Badge>
  );
}

/** Utilization as a bar (decorative) and its figure as text. */
export function UtilizationBar({ pct, label }: { pct: string; label?: string }) {
  const value = Math.min(100, Number(pct));
  const colour = value >= 95 ? "bg-red-700" : value >= 80 ? "bg-amber-600" : "bg-slate-800";
  return (
    <div className="flex items-center gap-2">
      <div aria-hidden className="h-1.5 w-20 overflow-hidden rounded-full bg-slate-200">
        <div className={`h-full ${colour}`} style={{ width: `${value}%` }} />
      </div>
      <span className="text-xs tabular-nums text-slate-700">
        {pct}%{label ? <span className="sr-only"> {label}</span> : null}
      </span>
    </div>
  );
}
