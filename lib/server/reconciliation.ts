import "server-only";
import type { Database } from "@/db/client";
import { env, type PaymentEnv } from "@/lib/env";
import {
  type DiscrepancyKind,
  type ReconcileDeps,
  type ReconciliationReport,
  reconcile,
  reconcileDepsFor,
  type StoredDiscrepancy,
} from "@/lib/payment-core/reconciliation";
import { type ResolutionView, resolveSettlements, toResolutionView } from "./settlements";

/** What a reconciliation reads the chain with: this process's configuration, the payer now (reconcileDepsFor). */
export function reconcileDeps(db: Database, payments: PaymentEnv = env().payments): Promise<ReconcileDeps> {
  return reconcileDepsFor(db, payments);
}

/** A finished run as the console shows it: no bigint, so it can cross to the browser. */
export interface ReconciliationRunView {
  status: "pass" | "fail";
  dryRun: boolean;
  reportId: string | null;
  range: { from: string | null; to: string | null };
  chain: { fromBlock: string; toBlock: string; transfers: number };
  checked: ReconciliationReport["checked"];
  counts: Record<DiscrepancyKind, number>;
  discrepancyCount: number;
  /** The first discrepancies (a dry run saves none, so they are shown with its result). */
  discrepancies: StoredDiscrepancy[];
  /** A real run captures at once the rows the chain shows paid although the ledger says not. */
  captured: ResolutionView[];
  /** Why capturing them failed (the report is saved all the same). */
  captureError: string | null;
}

const SHOWN_WITH_RUN = 50;

export async function reconcileNow(
  db: Database,
  options: { from?: Date; to?: Date; dryRun: boolean; actor: string },
): Promise<ReconciliationRunView> {
  const report = await reconcile(await reconcileDeps(db), {
    ...options,
    tolerancePct: env().reconAmountTolerancePct,
  });
  // As `x402 reconcile` does: the report keeps what was found; the ledger follows the chain.
  const settled = report.discrepancies
    .filter((d) => d.kind === "settled_but_failed" && d.transactionId)
    .map((d) => d.transactionId as string);
  let captured: ResolutionView[] = [];
  let captureError: string | null = null;
  if (settled.length > 0 && !report.dryRun) {
    try {
      const resolved = await resolveSettlements({ ids: settled, cancel: false, actor: options.actor });
      captured = resolved.resolutions.map(toResolutionView);
    } catch (error) {
      if (typeof (error as { code?: unknown }).code !== "string") throw error;
      captureError = `${(error as Error).message}; capture them from Settlements or with x402 settle --id`;
    }
  }
  return {
    status: report.status,
    dryRun: report.dryRun,
    reportId: report.reportId,
    range: report.range,
    chain: {
      fromBlock: report.chain.fromBlock.toString(),
      toBlock: report.chain.toBlock.toString(),
      transfers: report.chain.transfers,
    },
    checked: report.checked,
    counts: report.counts,
    discrepancyCount: report.discrepancies.length,
    discrepancies: report.discrepancies.slice(0, SHOWN_WITH_RUN).map((d) => ({
      ...d,
      ledgerAmountMicro: d.ledgerAmountMicro?.toString(),
      chainAmountMicro: d.chainAmountMicro?.toString(),
    })),
    captured,
    captureError,
  };
}
