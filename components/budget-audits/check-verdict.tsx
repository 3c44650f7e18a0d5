import { PassFailBadge } from "@/components/ui/status-badge";

/** FAIL, PASS, or PASS with warnings (spending anomalies never fail an audit). */
export function CheckVerdict({
  status,
  severity,
  findingCount,
}: {
  status: "pass" | "fail";
  severity: "error" | "warning";
  findingCount: number;
}) {
  const label =
    status === "pass" && severity === "warning" && findingCount > 0
      ? `PASS · ${findingCount} warning${findingCount === 1 ? "" : "s"}`
      : undefined;
  return <PassFailBadge status={status} label={label} />;
}
