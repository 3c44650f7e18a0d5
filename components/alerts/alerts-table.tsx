import { Badge, type Tone } from "@/components/ui/status-badge";
import { AgentLink, DataTable, EmptyList, Td, TimeCell } from "@/components/ui/table";
import { UtcTime } from "@/components/ui/utc-time";
import type { AlertRecord, AlertSeverity } from "@/lib/payment-core/alerts";
import { consoleAlertText } from "@/lib/payment-core/alerts/console-text";
import { AcknowledgeButton } from "./acknowledge-button";

const SEVERITY_TONE: Record<AlertSeverity, Tone> = { critical: "bad", warning: "warn", info: "info" };

export function SeverityBadge({ severity }: { severity: AlertSeverity }) {
  return <Badge tone={SEVERITY_TONE[severity]}>{severity}</Badge>;
}

/**
 * One list of alerts: severity, what it says (in the console's words: console-text.ts, not the
 * emoji text sent to Discord), since when, and its state.
 */
export function AlertsTable({
  rows,
  caption,
  empty,
  canAct = false,
}: {
  rows: AlertRecord[];
  caption: string;
  empty: string;
  canAct?: boolean;
}) {
  if (rows.length === 0) return <EmptyList title={empty} />;
  const history = rows.some((r) => r.state === "history");
  const acknowledged = rows.some((r) => r.acknowledgedAt);
  return (
    <DataTable
      caption={caption}
      minWidth="min-w-[56rem]"
      columns={[
        "Severity",
        "Alert",
        "Agent",
        { label: "Raised", className: "w-44" },
        acknowledged && "Acknowledged",
        history && { label: "Resolved", className: "w-44" },
        canAct && "Action",
      ]}
    >
      {rows.map((a) => {
        const { title, lines } = consoleAlertText(a);
        return (
          <tr key={a.id}>
            <Td>
              <SeverityBadge severity={a.severity} />
            </Td>
            <Td>
              <p className="font-medium">{title}</p>
              {lines.map((line) => (
                <p key={line} className="text-slate-700">
                  {line}
                </p>
              ))}
              <p className="font-mono text-xs text-slate-500">{a.kind}</p>
            </Td>
            <Td>{a.agentId ? <AgentLink id={a.agentId} /> : <span className="text-slate-500">—</span>}</Td>
            <TimeCell iso={a.createdAt} />
            {acknowledged ? (
              <Td>
                {a.acknowledgedAt ? (
                  <>
                    <p>{a.acknowledgedBy}</p>
                    <p className="text-xs text-slate-600">
                      <UtcTime iso={a.acknowledgedAt} />
                    </p>
                  </>
                ) : (
                  <span className="text-slate-500">—</span>
                )}
              </Td>
            ) : null}
            {history ? a.resolvedAt ? <TimeCell iso={a.resolvedAt} /> : <Td /> : null}
            {canAct ? (
              <Td>
                <AcknowledgeButton id={a.id} />
              </Td>
            ) : null}
          </tr>
        );
      })}
    </DataTable>
  );
}
