import { once } from "node:events";
import type { ImportReport, UnknownAgent } from "@/lib/payment-core/ledger/import";
import { snakeKeys } from "../json";

/** `x402 ledger import --json`: the report with every problem of every line. */
export function importJson(file: string, report: ImportReport) {
  return {
    file,
    committed: report.committed,
    lines: report.lines,
    ...snakeKeys(report, ["imported", "alreadyPresent"]),
    invalid: report.invalid.map((i) => ({ line: i.line, reason: i.reason, problems: i.problems })),
    unknown_agents: report.unknownAgents.map((u) => snakeKeys(u, ["agentId", "count", "lines"])),
  };
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function agentsThatDoNotExist(n: number): string {
  return `${plural(n, "agent")} that ${n === 1 ? "does" : "do"} not exist`;
}

function agentText(u: UnknownAgent): string {
  const more = u.count > u.lines.length ? ", …" : "";
  return `  ${u.agentId}: ${plural(u.count, "line")} (${u.count === 1 ? "line" : "lines"} ${u.lines.join(", ")}${more})\n`;
}

/** The human report: every problem of every bad line, then the agents that do not exist. */
export function importText(report: ImportReport): string {
  const out: string[] = [];
  const unknown = report.unknownAgents;
  if (report.committed) {
    const notes = [`${report.alreadyPresent} already present`];
    if (report.invalid.length) notes.push(`${plural(report.invalid.length, "invalid line")} skipped`);
    out.push(`Imported ${report.imported} of ${plural(report.lines, "line")} (${notes.join(", ")}).\n`);
  } else {
    const why: string[] = [];
    if (report.invalid.length) why.push(plural(report.invalid.length, "invalid line"));
    if (unknown.length) why.push(agentsThatDoNotExist(unknown.length));
    out.push(`Nothing imported: ${why.join(" and ")}.\n`);
  }
  for (const bad of report.invalid) {
    out.push(`  line ${bad.line}:\n`);
    for (const p of bad.problems) out.push(`    ${p.field}: ${p.problem}; expected ${p.expected}\n`);
  }
  if (!report.committed && report.invalid.length)
    out.push("Fix these lines, or import the rest with --skip-invalid.\n");
  if (unknown.length) {
    out.push(
      report.committed
        ? `Warning: imported lines of ${agentsThatDoNotExist(unknown.length)} (--allow-unknown-agents); their completed spend counts against no budget:\n`
        : `Lines name ${agentsThatDoNotExist(unknown.length)}:\n`,
    );
    out.push(...unknown.map(agentText));
    if (!report.committed) {
      out.push(
        `Add ${unknown.length === 1 ? "it" : "them"} first (x402 agents add <id>), correct the agent_id, or pass --allow-unknown-agents to import these lines anyway.\n`,
      );
    }
  }
  return out.join("");
}

/** The reader closed its end of the pipe (`| head`); process.stdout is never "destroyed" by it. */
function isClosedPipe(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === "EPIPE" || code === "ERR_STREAM_DESTROYED";
}

/** Waits for room in the stream; false when the reader went away instead. */
async function drained(out: NodeJS.WriteStream): Promise<boolean> {
  const stop = new AbortController();
  try {
    return await Promise.race([
      once(out, "drain", { signal: stop.signal }).then(() => true),
      once(out, "close", { signal: stop.signal }).then(() => false),
    ]);
  } catch (error) {
    if (isClosedPipe(error)) return false;
    throw error;
  } finally {
    stop.abort();
  }
}

/**
 * Streams lines to standard output with backpressure. A reader that stops early (`| head -2`)
 * closes the pipe: that is the end of the output, not a failure, so the stream stops (and the
 * database cursor with it) and the command succeeds. scripts/x402.mjs keeps the process's own
 * EPIPE event from being fatal for the commands that print once.
 */
export async function streamToStdout(lines: AsyncIterable<string>, out = process.stdout): Promise<void> {
  let gone = false;
  let failure: unknown = null;
  const onError = (error: unknown) => {
    if (isClosedPipe(error)) gone = true;
    else failure ??= error;
  };
  out.on("error", onError);
  try {
    for await (const line of lines) {
      if (failure) throw failure;
      if (gone) return;
      if (!out.write(line) && !(await drained(out))) return;
    }
  } finally {
    out.off("error", onError);
  }
}
