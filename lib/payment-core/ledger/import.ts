import { sql } from "drizzle-orm";
import type { Database } from "@/db/client";
import { writeAudit } from "../audit-log/write";
import { checkImportedReceipt, insertImportedReceipts } from "../receipts/import";
import type { ReceiptCheck } from "../receipts/verify";
import { checkSeedLine, describeProblem, type LineProblem, type SeedRecord } from "./jsonl";
import { insertHistoricalRows } from "./write";

export interface InvalidLine {
  line: number;
  /** Every problem of the line, one sentence each, joined: the short form for logs. */
  reason: string;
  problems: LineProblem[];
}

export interface UnknownAgent {
  agentId: string;
  /** How many lines name it, and the first few of their line numbers. */
  count: number;
  lines: number[];
}

export interface ImportReport {
  /** Non-blank lines read. */
  lines: number;
  imported: number;
  /** Lines whose transaction_id was already in the ledger (or earlier in the file): nothing added. */
  alreadyPresent: number;
  invalid: InvalidLine[];
  /** Agents named by valid lines that the console does not know (no row in `agents`). */
  unknownAgents: UnknownAgent[];
  /** False when bad lines or unknown agents stopped the import: nothing was saved. */
  committed: boolean;
}

export interface ImportOptions {
  actor: string;
  source?: string;
  /** Import the valid lines and list the invalid ones (default: any invalid line imports nothing). */
  skipInvalid?: boolean;
  /** Import lines of agents that do not exist (default: refuse the whole file, naming them). */
  allowUnknownAgents?: boolean;
}

class Rollback extends Error {}

const CHUNK = 1000;
const LINES_SHOWN = 5;

/**
 * Imports the seed's JSONL. Every line is checked field by field and every problem listed;
 * with any bad line nothing is imported (unless `skipInvalid`, which imports the good ones and
 * lists the rest). Lines naming an agent that does not exist refuse the whole file unless
 * `allowUnknownAgents`: such rows count against no budget, and a typo in an agent id would
 * otherwise go unnoticed. A transaction_id already in the ledger is skipped, so importing the
 * same file twice adds nothing. Completed spend is added to the budget windows of its UTC day
 * and month, in the same transaction.
 */
export async function importJsonl(
  db: Database,
  lines: AsyncIterable<string> | Iterable<string>,
  options: ImportOptions,
): Promise<ImportReport> {
  const report: ImportReport = {
    lines: 0,
    imported: 0,
    alreadyPresent: 0,
    invalid: [],
    unknownAgents: [],
    committed: false,
  };
  const seen = new Map<string, { line: number; text: string }>();
  const unknown = new Map<string, UnknownAgent>();
  const refused = () =>
    (report.invalid.length > 0 && !options.skipInvalid) || (unknown.size > 0 && !options.allowUnknownAgents);
  try {
    await db.transaction(async (tx) => {
      const agents = await tx.execute<{ id: string }>(sql`SELECT id FROM agents`);
      const known = new Set(agents.map((a) => a.id));
      let pending: SeedRecord[] = [];
      let receipts: { id: string; line: string; check: ReceiptCheck }[] = [];
      const flush = async () => {
        if (pending.length === 0) return;
        const inserted = await insertHistoricalRows(
          tx,
          pending.map((r) => ({
            id: r.id,
            createdAt: r.timestampPg,
            agentId: r.agentId,
            vendor: r.vendor,
            amountMicro: r.amountMicro,
            status: r.status,
            txHash: r.txHash,
            errorMessage: r.error,
            metadata: {
              ...(Object.keys(r.extra).length ? { extra: r.extra } : {}),
              imported: { line: r.line },
            },
          })),
        );
        report.imported += inserted;
        report.alreadyPresent += pending.length - inserted;
        await insertImportedReceipts(tx, receipts);
        pending = [];
        receipts = [];
      };
      let lineNo = 0;
      for await (const raw of lines) {
        lineNo++;
        const line = raw.replace(/\r$/, "");
        if (line.trim() === "") continue;
        report.lines++;
        const checked = checkSeedLine(line, { strictHash: true, safeText: true });
        const record = checked.record;
        // A vendor's receipt (the `receipt` field the export writes): checked again, kept apart.
        const problems: LineProblem[] = [...checked.problems];
        let receipt: ReceiptCheck | null = null;
        if (record && record.extra.receipt !== undefined) {
          const r = await checkImportedReceipt(record.extra.receipt, record);
          if (r.ok) {
            receipt = r.check;
            delete record.extra.receipt;
          } else {
            problems.push(r.problem);
          }
        }
        if (!record || problems.length > 0) {
          report.invalid.push({ line: lineNo, reason: problems.map(describeProblem).join("; "), problems });
          continue;
        }
        const first = seen.get(record.id);
        if (first) {
          if (first.text !== line) {
            const problem = `${record.id} appears at line ${first.line} with different content`;
            const expected = "each transaction_id once, or repeated with identical content";
            const problems = [{ field: "transaction_id", problem, expected }];
            report.invalid.push({
              line: lineNo,
              reason: describeProblem(problems[0] as LineProblem),
              problems,
            });
          } else {
            report.alreadyPresent++;
          }
          continue;
        }
        seen.set(record.id, { line: lineNo, text: line });
        if (!known.has(record.agentId)) {
          const u = unknown.get(record.agentId) ?? { agentId: record.agentId, count: 0, lines: [] };
          u.count++;
          if (u.lines.length < LINES_SHOWN) u.lines.push(lineNo);
          unknown.set(record.agentId, u);
        }
        if (refused()) continue; // validating only: nothing will be kept
        pending.push(record);
        if (receipt) receipts.push({ id: record.id, line, check: receipt });
        if (pending.length >= CHUNK) await flush();
      }
      report.unknownAgents = [...unknown.values()].sort((a, b) => (a.agentId < b.agentId ? -1 : 1));
      if (refused()) throw new Rollback();
      await flush();
      await writeAudit(tx, {
        actor: options.actor,
        action: "ledger.import",
        targetType: "ledger",
        targetId: options.source ?? null,
        after: {
          lines: report.lines,
          imported: report.imported,
          alreadyPresent: report.alreadyPresent,
          skippedInvalid: report.invalid.length,
          ...(report.unknownAgents.length > 0
            ? { unknownAgents: report.unknownAgents.map((u) => u.agentId) }
            : {}),
        },
      });
    });
    report.committed = true;
  } catch (error) {
    if (!(error instanceof Rollback)) throw error;
    report.imported = 0;
    report.alreadyPresent = 0;
  }
  return report;
}
