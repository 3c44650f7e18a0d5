import type { ReactNode } from "react";
import type { LimitSource } from "@/lib/payment-core/budgets/config";
import type { TransactionStatus } from "@/lib/payment-core/ledger/read";
import { cx } from "./cx";

/** The console's colour vocabulary: every badge is one of these, and always says its status in words. */
export type Tone = "ok" | "warn" | "bad" | "neutral" | "info";

const TONE_CLASS: Record<Tone, string> = {
  ok: "bg-emerald-50 text-emerald-900 ring-emerald-300",
  warn: "bg-amber-50 text-amber-900 ring-amber-300",
  bad: "bg-red-50 text-red-900 ring-red-300",
  neutral: "bg-slate-100 text-slate-800 ring-slate-300",
  info: "bg-blue-50 text-blue-900 ring-blue-300",
};

const DOT_CLASS: Record<Tone, string> = {
  ok: "bg-emerald-700",
  warn: "bg-amber-600",
  bad: "bg-red-700",
  neutral: "bg-slate-500",
  info: "bg-blue-700",
};

/**
 * Every status the console shows, mapped to a tone in this one place. A payment that is done is
 * ok; money still held is a warning (pending, authorized, awaiting_approval); a failure is bad; what changed
 * nothing (cancelled, rejected before reserving) is neutral.
 */
export const STATUS_TONES = {
  transaction: {
    completed: "ok",
    pending: "warn",
    authorized: "warn",
    awaiting_approval: "warn",
    failed: "bad",
    cancelled: "neutral",
    rejected: "neutral",
  } satisfies Record<TransactionStatus, Tone>,
  request: { pending: "warn", approved: "ok", rejected: "bad", expired: "neutral" },
  agent: { active: "ok", paused: "bad" },
  // Whether an agent can pay now (lib/payment-core/agents/payment-status.ts); the label says why.
  agentPayment: { active: "ok", paused: "bad", payments_disabled: "bad", blocked: "warn" },
  paymentApproval: { pending: "warn", approved: "info", used: "ok", denied: "bad", expired: "neutral" },
  check: { pass: "ok", fail: "bad" },
  source: { console: "info", env: "warn", default: "neutral" } satisfies Record<LimitSource, Tone>,
  settlement: { stale: "warn", expired: "neutral" },
  cliToken: { active: "ok", expired: "neutral", revoked: "bad" },
  // The vendor catalog's payTo pin: asks what is accepted, asked or advertised another, not pinned yet.
  vendorPin: { pinned: "ok", changed: "bad", unpinned: "neutral" },
  rotation: {
    registered: "info",
    proven: "info",
    approved: "info",
    test_paid: "warn",
    swept: "warn",
    completed: "ok",
    cancelled: "neutral",
  },
} as const;

type StatusKinds = typeof STATUS_TONES;
export type StatusKind = keyof StatusKinds;

/**
 * A word in a coloured box, never wrapped mid-word. `dot` adds a status dot (live states); `lg` is
 * for page headings. Every table's status goes through this (via `StatusBadge`).
 */
export function Badge({
  tone,
  size = "sm",
  dot,
  title,
  className,
  children,
}: {
  tone: Tone;
  size?: "sm" | "lg";
  dot?: boolean;
  title?: string;
  className?: string;
  children: ReactNode;
}) {
  return (
    <span
      title={title}
      className={cx(
        "inline-flex items-center gap-1 whitespace-nowrap rounded font-medium ring-1 ring-inset",
        size === "lg" ? "px-2.5 py-1 text-base font-semibold" : "px-1.5 py-0.5 text-xs",
        TONE_CLASS[tone],
        className,
      )}
    >
      {dot ? <span aria-hidden className={`size-1.5 rounded-full ${DOT_CLASS[tone]}`} /> : null}
      {children}
    </span>
  );
}

/** A status in words, coloured by its tone (never colour alone). `label` replaces the word. */
export function StatusBadge<K extends StatusKind>({
  kind,
  status,
  label,
  size,
}: {
  kind: K;
  status: keyof StatusKinds[K] & string;
  label?: ReactNode;
  size?: "sm" | "lg";
}) {
  const tone = (STATUS_TONES[kind] as Record<string, Tone>)[status] ?? "neutral";
  return (
    <Badge tone={tone} size={size} dot={kind === "agent" || kind === "agentPayment"}>
      {label ?? status}
    </Badge>
  );
}

/** PASS or FAIL, for reconciliation and audit reports; `label` replaces the word ("PASS · 2 warnings"). */
export function PassFailBadge({
  status,
  size,
  label,
}: {
  status: "pass" | "fail";
  size?: "sm" | "lg";
  label?: string;
}) {
  return <StatusBadge kind="check" status={status} size={size} label={label ?? status.toUpperCase()} />;
}
