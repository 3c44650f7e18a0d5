import type { Command } from "commander";
import {
  auditChainHead,
  type ChainVerification,
  parseAnchor,
  verifyAuditChain,
} from "@/lib/payment-core/audit-log/chain";
import { CliFailure, type CommandKit, EXIT, withDb } from "../context";

function human(result: ChainVerification): string {
  const head = `head ${result.head.seq}:${result.head.hash}`;
  if (result.ok) {
    return `Audit log intact: ${result.rows} rows chained, ${head} (checked in ${result.durationMs} ms).\n`;
  }
  const b = result.firstBreak;
  return [
    `Audit log BROKEN at row ${b?.seq}${b?.id ? ` (id ${b.id}${b.at ? `, ${b.at}` : ""})` : ""}: ${b?.kind}`,
    `  ${b?.message}`,
    `  ${result.rows} rows read, ${head} (checked in ${result.durationMs} ms).`,
    "",
  ].join("\n");
}

/**
 * `x402 audit-log verify [--anchor seq:hash …]` and `x402 audit-log head`: reading commands,
 * database access alone (they change nothing).
 */
export function registerAuditLog(program: Command, { sub, print }: CommandKit): Command {
  const group = sub(program, "audit-log").description("the append-only, hash-chained audit log");
  sub(group, "verify")
    .description("check the whole hash chain and name the first row that breaks it (exit 1 when broken)")
    .option(
      "--anchor <seq:hash>",
      "a head published earlier (the daily digest's); repeatable: each must still be that row's hash",
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .action(async (opts: { anchor?: string[] }, cmd: Command) => {
      const anchors = (opts.anchor ?? []).map(parseAnchor);
      await withDb(async ({ db }) => {
        const result = await verifyAuditChain(db, { anchors });
        print(cmd, result, () => human(result));
        if (!result.ok) {
          throw new CliFailure(
            "audit_chain_broken",
            result.firstBreak?.message ?? "the audit log's chain is broken",
            { firstBreak: result.firstBreak },
            EXIT.failed,
            true,
          );
        }
      });
    });
  sub(group, "head")
    .description("the chain's last row and hash, as seq:hash (what the daily digest publishes)")
    .action(async (_opts: unknown, cmd: Command) =>
      withDb(async ({ db }) => {
        const head = await auditChainHead(db);
        print(cmd, { ...head, anchor: `${head.seq}:${head.hash}` }, () => `${head.seq}:${head.hash}\n`);
      }),
    );
  return group;
}
