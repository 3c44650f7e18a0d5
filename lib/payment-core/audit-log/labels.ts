import type { BudgetConfig, LimitKind, LimitSource } from "../budgets/config";
import { formatDollars } from "../support/money";

/**
 * The read side of the audit log, for people: what each action is called, and each before/after
 * field as a label and a value ("Limit: $1,000.00 (default)") instead of JSON with micro-units.
 * What is written stays as it is (lib/payment-core/audit-log/write.ts); only its presentation lives here.
 */

/** Sign-ins are many and rarely what an operator is looking for: the log hides them unless asked. */
export const SIGN_IN_ACTIONS = ["user.sign_in", "auth.sign_in_failed"] as const;

/** Every action the code writes (a test checks the writers against this list). */
export const AUDIT_ACTION_LABELS: Record<string, string> = {
  "agent.add": "Agent added",
  "agent.approval_threshold": "Approval threshold changed",
  "agent.pause": "Agent paused",
  "agent.resume": "Agent resumed",
  "agent.rotate_key": "Agent key rotated",
  "agent.vendor_policy_set": "Vendor policy changed",
  "alert.acknowledged": "Alert acknowledged",
  "auth.sign_in_failed": "Sign-in failed",
  "backup.restore": "Database restored",
  "budget.cap_set": "Fleet or vendor cap changed",
  "budget.change_approved": "Limit request approved",
  "budget.change_expired": "Limit request expired",
  "budget.change_rejected": "Limit request rejected",
  "budget.change_requested": "Limit change requested",
  "budget.limit_set": "Limit changed",
  "budget_audit.run": "Budget audit run",
  "cli.break_glass": "CLI break-glass used",
  "cli_token.create": "CLI token made",
  "cli_token.revoke": "CLI token revoked",
  "job.run": "Job run",
  "kill_switch.off": "Payments resumed",
  "kill_switch.on": "Payments stopped",
  "ledger.import": "Ledger imported",
  "ledger.seed_demo": "Demo ledger seeded",
  "payment_approval.approved": "Held payment approved",
  "payment_approval.denied": "Held payment denied",
  "payment_approval.expired": "Held payment expired",
  "payment_approval.held": "Payment held for approval",
  "payment_approval.refused": "Approved payment refused at its retry",
  "payment_approval.released": "Held payment released",
  "payment_approval.requirements_changed": "Approved payment's vendor changed its terms",
  "payer_rotation.approval_signed": "Rotation approval signed by an owner",
  "payer_rotation.approved": "Rotation approved (quorum signed)",
  "reconciliation.run": "Reconciliation run",
  "treasury_owner.add": "Treasury owner added (quorum signed)",
  "treasury_owner.initial_set": "Initial treasury owners recorded",
  "treasury_owner.proposed": "Treasury owner change proposed",
  "treasury_owner.remove": "Treasury owner removed (quorum signed)",
  "treasury_owner.signed": "Treasury owner change signed",
  "user.add": "User added",
  "user.demo_reset": "Demo user reset",
  "user.disable": "User disabled",
  "user.enable": "User enabled",
  "user.role_set": "Role changed",
  "user.sign_in": "Signed in",
  "vendor.payto_accepted": "Vendor payment address accepted",
};

export const LIMIT_KIND_LABELS: Record<LimitKind, string> = {
  daily: "Daily limit",
  monthly: "Monthly limit",
  per_transaction: "Per-transaction max",
};

const SOURCE_LABELS: Record<LimitSource, string> = {
  console: "console",
  env: "environment",
  default: "default",
};

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function limitKindOf(...sides: unknown[]): LimitKind | null {
  for (const side of sides) {
    const kind = isRecord(side) ? side.kind : undefined;
    if (typeof kind === "string" && Object.hasOwn(LIMIT_KIND_LABELS, kind)) return kind as LimitKind;
  }
  return null;
}

/** "kill_switch.on" → "Kill switch on": for an action written by code newer than this list. */
function humanize(text: string): string {
  const words = text
    .replace(/Micro$/, "")
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/[._]+/g, " ")
    .trim()
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** The action as a person says it; limit changes name their kind ("Monthly limit changed"). */
export function auditActionLabel(action: string, before?: unknown, after?: unknown): string {
  const kind = limitKindOf(after, before);
  if (kind && action === "budget.limit_set") return `${LIMIT_KIND_LABELS[kind]} changed`;
  if (kind && action === "budget.change_requested") return `${LIMIT_KIND_LABELS[kind]} change requested`;
  return AUDIT_ACTION_LABELS[action] ?? humanize(action);
}

const FIELD_LABELS: Record<string, string> = {
  acknowledgedAt: "Acknowledged at",
  acknowledgedBy: "Acknowledged by",
  agentId: "Agent",
  apiKeyPrefix: "API key prefix",
  currentLimitMicro: "Limit when requested",
  dailyMicro: "Daily cap",
  disabled: "Disabled",
  email: "Email",
  enabled: "Kill switch",
  expiresAt: "Expires",
  hosts: "Allowed hosts",
  ip: "IP address",
  kind: "Kind",
  limitMicro: "Limit",
  monthlyMicro: "Monthly cap",
  payees: "Allowed payees",
  requestedLimitMicro: "Requested limit",
  retryAfterSeconds: "Retry after (seconds)",
  role: "Role",
  status: "Status",
};

export function auditFieldLabel(key: string): string {
  if (key === "") return "Value";
  return FIELD_LABELS[key] ?? humanize(key);
}

const MICRO_DIGITS = /^-?\d{1,30}$/;

/** One side's value of one field, as text a person reads. `side` is that whole side (for `source`). */
export function formatAuditValue(key: string, value: unknown, side?: unknown): string {
  if (value === null || value === undefined) return "none";
  if (/Micro$/.test(key) && (typeof value === "string" || typeof value === "number")) {
    const digits = String(value);
    if (MICRO_DIGITS.test(digits)) {
      const source = isRecord(side) ? side.source : undefined;
      const marked =
        key === "limitMicro" && (source === "default" || source === "env")
          ? ` (${SOURCE_LABELS[source as LimitSource]})`
          : "";
      return `${formatDollars(BigInt(digits))}${marked}`;
    }
  }
  if (key === "kind" && typeof value === "string" && Object.hasOwn(LIMIT_KIND_LABELS, value)) {
    return LIMIT_KIND_LABELS[value as LimitKind].replace(/ (limit|max)$/, "").toLowerCase();
  }
  if (typeof value === "boolean") return key === "enabled" ? (value ? "on" : "off") : value ? "yes" : "no";
  if (Array.isArray(value)) {
    if (value.length === 0) return key === "hosts" || key === "payees" ? "any" : "none";
    if (value.every((v) => typeof v === "string" || typeof v === "number")) return value.join(", ");
  }
  if (typeof value === "string") {
    const iso = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(?::\d{2}(?:\.\d+)?)?Z$/.exec(value);
    return iso ? `${iso[1]} ${iso[2]} UTC` : value;
  }
  return JSON.stringify(value);
}

export type FieldChange = "added" | "removed" | "changed" | "same";

/** One field of an entry, as the audit log shows it. A side is undefined when it lacks the field. */
export interface AuditFieldView {
  key: string;
  label: string;
  before?: string;
  after?: string;
  change: FieldChange;
}

export interface DiffRow {
  /** The changed field; "" when before/after are not objects (the whole value changed). */
  key: string;
  /** JSON text of each side; undefined when the side lacks the field. */
  before?: string;
  after?: string;
  change: FieldChange;
}

/** JSON with sorted keys, so two equal objects compare equal whatever their key order. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v) =>
    isRecord(v)
      ? Object.fromEntries(
          Object.keys(v)
            .sort()
            .map((k) => [k, v[k]]),
        )
      : v,
  );
}

function changeOf(beforeText: string | undefined, afterText: string | undefined): FieldChange {
  if (beforeText === undefined) return "added";
  if (afterText === undefined) return "removed";
  return beforeText === afterText ? "same" : "changed";
}

/**
 * Before and after, field by field: objects are compared key by key (added, removed,
 * changed, same); anything else is one row. Nested values are compared as a whole.
 */
export function auditDiff(before: unknown, after: unknown): DiffRow[] {
  const b = before ?? null;
  const a = after ?? null;
  if (b === null && a === null) return [];
  if ((isRecord(b) || b === null) && (isRecord(a) || a === null)) {
    const keys = [...new Set([...Object.keys(b ?? {}), ...Object.keys(a ?? {})])];
    return keys.map((key) => {
      const beforeText = b !== null && Object.hasOwn(b, key) ? canonical(b[key]) : undefined;
      const afterText = a !== null && Object.hasOwn(a, key) ? canonical(a[key]) : undefined;
      return { key, before: beforeText, after: afterText, change: changeOf(beforeText, afterText) };
    });
  }
  const beforeText = b === null ? undefined : canonical(b);
  const afterText = a === null ? undefined : canonical(a);
  return [{ key: "", before: beforeText, after: afterText, change: changeOf(beforeText, afterText) }];
}

/**
 * An entry's before and after as labelled, formatted fields. `source` is folded into the amount
 * it qualifies ("$1,000.00 (default)") rather than shown as a field of its own.
 */
export function describeAuditChange(before: unknown, after: unknown): AuditFieldView[] {
  const sideValue = (side: unknown, key: string, text: string | undefined) => {
    if (text === undefined) return undefined;
    return formatAuditValue(key, key === "" ? side : isRecord(side) ? side[key] : undefined, side);
  };
  return auditDiff(before, after)
    .filter((row) => row.key !== "source")
    .map((row) => ({
      key: row.key,
      label: auditFieldLabel(row.key),
      before: sideValue(before, row.key, row.before),
      after: sideValue(after, row.key, row.after),
      change: row.change,
    }));
}

/**
 * A limit change written before there was a console limit records `limitMicro: null` as its
 * before: the agent was on its environment or default limit. Shows that limit, marked, so the
 * row reads "$1,000.00 (default) → $1,500.00" instead of "null → …". The limit is read from the
 * configuration the console runs with.
 */
export function withLimitInForce<T extends { action: string; targetId: string | null; before: unknown }>(
  entry: T,
  config: Pick<BudgetConfig, "defaults" | "agentLimits">,
): T {
  const before = entry.before;
  if (entry.action !== "budget.limit_set" || !isRecord(before) || before.limitMicro !== null) return entry;
  const kind = limitKindOf(before);
  if (!kind) return entry;
  const env = entry.targetId ? config.agentLimits[entry.targetId]?.[kind] : undefined;
  const limitMicro = (env ?? config.defaults[kind]).toString();
  return { ...entry, before: { ...before, limitMicro, source: env === undefined ? "default" : "env" } };
}
