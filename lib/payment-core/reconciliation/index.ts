export { reconcileDepsFor } from "./deps";
export {
  DEFAULT_REPORT_DIR,
  DEFAULT_TOLERANCE_PCT,
  type ReconcileDeps,
  type ReconcileOptions,
  reconcile,
} from "./reconcile";
export {
  getReconciliationReport,
  listReconciliationReports,
  type StoredDiscrepancy,
  type StoredReport,
  type StoredReportListItem,
  type StoredReportSummary,
} from "./reports";
export {
  DISCREPANCY_KINDS,
  type Discrepancy,
  type DiscrepancyKind,
  type ReconciliationReport,
  reportToJson,
} from "./types";
