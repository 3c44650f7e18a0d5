import type { ReactNode } from "react";

const TONES = {
  critical: "bg-red-700 text-white",
  warning: "bg-amber-200 text-amber-950",
  info: "bg-blue-100 text-blue-950",
} as const;

/** A count beside a navigation link; `children` says what is counted, for screen readers. */
export function NavBadge({
  count,
  tone,
  children,
}: {
  count: number;
  tone: keyof typeof TONES;
  children: ReactNode;
}) {
  return (
    <span
      className={`inline-flex min-w-5 justify-center rounded-full px-1.5 text-xs font-semibold tabular-nums ${TONES[tone]}`}
    >
      {count}
      <span className="sr-only"> {children}</span>
    </span>
  );
}
