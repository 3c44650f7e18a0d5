/** PASS or FAIL in words (never colour alone), for reconciliation and audit reports. */
export function PassFailBadge({
  status,
  size = "sm",
  label,
}: {
  status: "pass" | "fail";
  size?: "sm" | "lg";
  /** Replaces the word, e.g. "PASS · 2 warnings". */
  label?: string;
}) {
  const tone =
    status === "pass"
      ? "bg-emerald-50 text-emerald-900 ring-emerald-300"
      : "bg-red-50 text-red-900 ring-red-300";
  const box = size === "lg" ? "px-2.5 py-1 text-base" : "px-1.5 py-0.5 text-xs";
  return (
    <span className={`inline-block rounded font-semibold ring-1 ring-inset ${tone} ${box}`}>
      {label ?? status.toUpperCase()}
    </span>
  );
}
