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
  const colour =
    source === "console"
      ? "bg-blue-50 text-blue-900 ring-blue-200"
      : source === "env"
        ? "bg-amber-50 text-amber-900 ring-amber-200"
        : "bg-slate-100 text-slate-700 ring-slate-200";
  return (
    <span
      title={`${SOURCE_TEXT[source]}${detail ? `: ${detail}` : ""}`}
      className={`inline-flex items-center rounded px-1.5 py-0.5 text-xs font-medium ring-1 ring-inset ${colour}`}
    >
      <span className="sr-only">source: </span>
      {source}
    </span>
  );
}

export function StatusBadge({ status }: { status: "active" | "paused" }) {
  return (
    <span
      className={`inline-flex items-center gap-1 rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset ${status === "active" ? "bg-green-50 text-green-900 ring-green-200" : "bg-red-50 text-red-900 ring-red-200"}`}
    >
      <span
        aria-hidden
        className={`size-1.5 rounded-full ${status === "active" ? "bg-green-700" : "bg-red-700"}`}
      />
      {status}
    </span>
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
