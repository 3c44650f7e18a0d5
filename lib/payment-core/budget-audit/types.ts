/**
 * The budget audit's report: a JSON document, the same in memory, in the report file, in the
 * `audit_reports` row and in `x402 audit --json`. Money figures are micro-USDC as decimal
 * strings (keys end in `Micro`), so the document survives JSON without a float in sight.
 */

export const CHECK_NAMES = [
  "ledger_budget_consistency",
  "budget_overruns",
  "rollup_accuracy",
  "data_integrity",
  "spending_anomalies",
  "vendor_receipts",
] as const;
export type CheckName = (typeof CHECK_NAMES)[number];

export type FindingKind =
  // ledger_budget_consistency
  | "usage_mismatch"
  | "cap_usage_mismatch"
  // budget_overruns
  | "daily_limit_overrun"
  | "monthly_limit_overrun"
  | "per_transaction_max_overrun"
  | "hard_limit_overrun"
  // rollup_accuracy
  | "rollup_mismatch"
  | "ledger_rollup_mismatch"
  // data_integrity
  | "duplicate_nonce"
  | "non_positive_amount"
  | "missing_tx_hash"
  | "future_timestamp"
  | "stale_reservation"
  | "unknown_agent"
  | "malformed_tx_hash"
  // spending_anomalies
  | "daily_spike"
  | "new_vendor"
  | "burst"
  | "price_change"
  // vendor_receipts
  | "invalid_receipt";

export type FigureValue = string | number | boolean | null;

export interface AuditFinding {
  kind: FindingKind;
  /** A sentence for people, with the figures in USDC and, for anomalies, the rule that fired. */
  message: string;
  /** The agent the finding is about (null only when it spans agents, e.g. a vendor). */
  agentId: string | null;
  /** The budget window, for window-level findings. */
  window?: { period: "day" | "month"; start: string };
  /** The ledger rows it is about, oldest first (a sample, for findings over many rows). */
  transactionIds: string[];
  /** The figures behind it: micro-USDC as decimal strings, counts as numbers, instants as ISO. */
  figures: Record<string, FigureValue>;
}

export interface AuditCheck {
  name: CheckName;
  title: string;
  /** `error` checks fail the audit when they find anything; `warning` checks never do. */
  severity: "error" | "warning";
  status: "pass" | "fail";
  /** Every finding, including any past the listed ones. */
  findingCount: number;
  /** True when more findings exist than are listed (each finding kind lists at most `FINDINGS_PER_KIND`). */
  truncated: boolean;
  findings: AuditFinding[];
}

export interface AuditCounts {
  checks: number;
  passedChecks: number;
  failedChecks: number;
  /** Findings of `error` checks. */
  errors: number;
  /** Findings of `warning` checks (spending anomalies). */
  warnings: number;
  byKind: Partial<Record<FindingKind, number>>;
  /** What was audited. */
  ledgerRows: number;
  usageWindows: number;
  agents: number;
}

/** The thresholds the anomaly check used, kept in the report so a finding can be re-read later. */
export interface AnomalyRules {
  /** A day is a spike when its completed spend exceeds `spikeRatio` × the trailing daily average... */
  spikeRatio: number;
  /** ...over this many UTC days before it... */
  spikeBaselineDays: number;
  /** ...and is at least this much (micro-USDC), so cents on a quiet agent are not a spike. */
  spikeFloorMicro: bigint;
  /** More than this many completed payments by one agent within one minute is a burst. */
  burstPerMinute: number;
  /** Spikes, bursts and price changes are looked for in this many trailing days (today included). */
  lookbackDays: number;
  /** A vendor first paid within this many hours is new. */
  newVendorHours: number;
}

export interface AuditReport {
  status: "pass" | "fail";
  generatedAt: string;
  checks: AuditCheck[];
  counts: AuditCounts;
  rules: {
    clockSkewMs: number;
    staleReservationMs: number;
    findingsPerKind: number;
    anomalies: Omit<AnomalyRules, "spikeFloorMicro"> & { spikeFloorMicro: string };
  };
}

/** The short form stored in `audit_reports.summary` and listed by the console. */
export interface AuditSummary {
  status: "pass" | "fail";
  generatedAt: string;
  counts: AuditCounts;
  checks: { name: CheckName; status: "pass" | "fail"; severity: "error" | "warning"; findingCount: number }[];
  /** The report file, when one was written. */
  path: string | null;
}

/** At most this many findings of one kind are listed; `findingCount` still counts them all. */
export const FINDINGS_PER_KIND = 200;

/** Timestamps this far ahead of the audit's clock are still accepted (clocks drift). */
export const CLOCK_SKEW_MS = 5 * 60_000;

export const DEFAULT_ANOMALY_RULES: AnomalyRules = {
  spikeRatio: 3,
  spikeBaselineDays: 14,
  spikeFloorMicro: 5_000_000n,
  burstPerMinute: 30,
  lookbackDays: 7,
  newVendorHours: 24,
};
