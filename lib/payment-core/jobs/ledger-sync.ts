import { existsSync } from "node:fs";
import { appendFile, mkdir, open } from "node:fs/promises";
import path from "node:path";
import { sql } from "drizzle-orm";
import type { Database } from "@/db/client";
import { checkRollups } from "../budget-audit/consistency";
import type { AuditFinding } from "../budget-audit/types";
import { parseSeedLine, readFileLines, toSeedLine } from "../ledger/jsonl";
import { readTransactions } from "../ledger/read";
import { withReceipts } from "../receipts/store";
import type { Micro } from "../support/money";
import { parseUtcDay, utcMonthStart } from "../support/time";

/**
 * The guide's daily ledger sync (`x402_daily_ledger_sync.py`, 03:00 UTC): the ledger rows of one
 * UTC day appended to `transactions.jsonl` in the guide's format (the same lines `x402 ledger
 * export` writes), then the day's figures checked three ways: completed spend per agent in the
 * file, in the ledger, and in the agent's `budget_usage` day window; and the month window against
 * its day windows (the budget audit's rollup check).
 *
 * Idempotent: the file's transaction ids are read first and a row already in it is never written
 * again, so a second run of the same day (or a run after a crash half-way through the append)
 * adds only what is missing.
 */

export const DEFAULT_LEDGER_SYNC_PATH = "data/a2a-x402/transactions/transactions.jsonl";

const APPEND_CHUNK = 1000;

export interface AgentRollup {
  agentId: string;
  /** Completed spend of the day, micro-USDC as decimal strings. */
  fileMicro: string;
  ledgerMicro: string;
  /** The agent's day window; null for an agent the console does not know (no budget window). */
  usageMicro: string | null;
  ok: boolean;
}

export interface LedgerSyncOutput {
  day: string;
  file: string;
  /** Ledger rows of the day, rows appended now, rows already in the file. */
  ledgerRows: number;
  appended: number;
  alreadyPresent: number;
  /** Rows still pending or authorized when synced: their status in the file may change later. */
  openRows: number;
  /** Lines of the file that are not valid ledger lines (left as they are). */
  invalidFileLines: number;
  rollup: {
    status: "pass" | "fail";
    totals: { fileMicro: string; ledgerMicro: string; usageMicro: string };
    agents: AgentRollup[];
    /** The month window of the day against the sum of its day windows, per agent. */
    month: { start: string; status: "pass" | "fail"; findings: AuditFinding[] };
  };
}

interface FileScan {
  ids: Set<string>;
  invalid: number;
  endsWithNewline: boolean;
  /** Completed spend per agent of lines dated in the day. */
  completed: Map<string, Micro>;
}

function add(map: Map<string, Micro>, key: string, amount: Micro) {
  map.set(key, (map.get(key) ?? 0n) + amount);
}

async function scanFile(file: string, day: string): Promise<FileScan> {
  const scan: FileScan = { ids: new Set(), invalid: 0, endsWithNewline: true, completed: new Map() };
  if (!existsSync(file)) return scan;
  for await (const raw of readFileLines(file)) {
    const line = raw.replace(/\r$/, "");
    if (line.trim() === "") continue;
    try {
      const r = parseSeedLine(line);
      scan.ids.add(r.id);
      if (r.status === "completed" && new Date(r.timestampPg).toISOString().slice(0, 10) === day) {
        add(scan.completed, r.agentId, r.amountMicro);
      }
    } catch {
      scan.invalid++;
    }
  }
  const handle = await open(file, "r");
  try {
    const { size } = await handle.stat();
    if (size > 0) {
      const last = Buffer.alloc(1);
      await handle.read(last, 0, 1, size - 1);
      scan.endsWithNewline = last[0] === 0x0a;
    }
  } finally {
    await handle.close();
  }
  return scan;
}

export async function syncLedgerDay(
  db: Database,
  options: { file: string; day: string },
): Promise<LedgerSyncOutput> {
  const { day, start, end } = parseUtcDay(options.day);
  const file = path.resolve(options.file);
  await mkdir(path.dirname(file), { recursive: true });
  const scan = await scanFile(file, day);

  let ledgerRows = 0;
  let openRows = 0;
  let appended = 0;
  const ledgerCompleted = new Map<string, Micro>();
  let pending: string[] = scan.endsWithNewline ? [] : [""];
  const flush = async () => {
    if (pending.length === 0) return;
    await appendFile(file, `${pending.join("\n")}\n`);
    pending = [];
  };
  for await (const [row, receipt] of withReceipts(db, readTransactions(db, { from: start, to: end }))) {
    ledgerRows++;
    if (row.status === "completed") add(ledgerCompleted, row.agentId, row.amountMicro);
    if (row.status === "pending" || row.status === "authorized" || row.status === "awaiting_approval") {
      openRows++;
    }
    if (scan.ids.has(row.id)) continue;
    pending.push(toSeedLine(row, receipt));
    scan.ids.add(row.id);
    appended++;
    // The file now holds it: it counts in the file's figures as written.
    if (row.status === "completed") add(scan.completed, row.agentId, row.amountMicro);
    if (pending.length >= APPEND_CHUNK) await flush();
  }
  if (pending.length > 0 && !(pending.length === 1 && pending[0] === "")) await flush();

  const usage = await db.execute<{ agent_id: string; spent: bigint | null }>(sql`
    SELECT a.id AS agent_id, u.spent_micro AS spent
    FROM agents a
    LEFT JOIN budget_usage u ON u.agent_id = a.id AND u.period = 'day' AND u.period_start = ${day}::date`);
  const usageByAgent = new Map(usage.map((u) => [u.agent_id, u.spent ?? 0n]));
  const agentIds = [...new Set([...scan.completed.keys(), ...ledgerCompleted.keys()])];
  for (const [agentId, spent] of usageByAgent) if (spent !== 0n) agentIds.push(agentId);
  const agents: AgentRollup[] = [...new Set(agentIds)].sort().map((agentId) => {
    const inFile = scan.completed.get(agentId) ?? 0n;
    const inLedger = ledgerCompleted.get(agentId) ?? 0n;
    const inUsage = usageByAgent.has(agentId) ? (usageByAgent.get(agentId) ?? 0n) : null;
    return {
      agentId,
      fileMicro: inFile.toString(),
      ledgerMicro: inLedger.toString(),
      usageMicro: inUsage === null ? null : inUsage.toString(),
      ok: inFile === inLedger && (inUsage === null || inUsage === inLedger),
    };
  });
  const sum = (pick: (a: AgentRollup) => string | null) =>
    agents.reduce((n, a) => n + BigInt(pick(a) ?? "0"), 0n).toString();
  const monthStart = utcMonthStart(start);
  const rollups = await checkRollups(db);
  const monthFindings = rollups.findings.filter((f) => f.window?.start === monthStart);
  const ok = agents.every((a) => a.ok) && monthFindings.length === 0;
  return {
    day,
    file,
    ledgerRows,
    appended,
    alreadyPresent: ledgerRows - appended,
    openRows,
    invalidFileLines: scan.invalid,
    rollup: {
      status: ok ? "pass" : "fail",
      totals: {
        fileMicro: sum((a) => a.fileMicro),
        ledgerMicro: sum((a) => a.ledgerMicro),
        usageMicro: sum((a) => a.usageMicro),
      },
      agents,
      month: {
        start: monthStart,
        status: monthFindings.length === 0 ? "pass" : "fail",
        findings: monthFindings,
      },
    },
  };
}

/** The UTC day before `at`'s (the day a 03:00 run syncs). */
export function previousUtcDay(at: Date): string {
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate() - 1))
    .toISOString()
    .slice(0, 10);
}
