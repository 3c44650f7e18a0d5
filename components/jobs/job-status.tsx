import { Badge, type Tone } from "@/components/ui/status-badge";

const TONES: Record<string, Tone> = { succeeded: "ok", failed: "bad", running: "info", skipped: "neutral" };

/** A run's status in words, coloured: succeeded, failed, running, skipped. */
export function JobStatusBadge({ status, size }: { status: string; size?: "sm" | "lg" }) {
  return (
    <Badge tone={TONES[status] ?? "neutral"} size={size} dot={status === "running"}>
      {status}
    </Badge>
  );
}

/** 350 ms, 4.2 s, 3 min 05 s. */
export function formatDuration(ms: number | null): string {
  if (ms === null) return "—";
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, "0")} s`;
}

/** A cron pattern in words for the common shapes; the pattern itself otherwise. */
export function describeSchedule(schedule: string, intervalSeconds: number | null): string {
  if (intervalSeconds) return `every ${intervalSeconds} s`;
  const f = schedule.split(" ");
  if (schedule === "* * * * *") return "every minute";
  if (f.length === 6 && /^\*\/\d+$/.test(f[0] ?? "") && f.slice(1).every((x) => x === "*")) {
    return `every ${f[0]?.slice(2)} s`;
  }
  if (f.length === 5 && /^\*\/\d+$/.test(f[0] ?? "") && f.slice(1).every((x) => x === "*")) {
    return `every ${f[0]?.slice(2)} min`;
  }
  const [min, hour, dom, mon, dow] = f;
  if (f.length === 5 && /^\d+$/.test(min ?? "") && /^\d+$/.test(hour ?? "") && dom === "*" && mon === "*") {
    const at = `${String(hour).padStart(2, "0")}:${String(min).padStart(2, "0")} UTC`;
    if (dow === "*") return `daily at ${at}`;
    const days = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
    if (/^[0-6]$/.test(dow ?? "")) return `${days[Number(dow)]}s at ${at}`;
  }
  return schedule;
}
