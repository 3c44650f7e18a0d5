import Link from "next/link";
import type { ReactNode } from "react";
import { UtcTime } from "./utc-time";

/** A column title; numbers are right-aligned. */
export interface Column {
  label: ReactNode;
  align?: "right";
  /** A width, such as `w-48`. */
  className?: string;
  /** For a sortable column: its current order, as `aria-sort` announces it. */
  sort?: "ascending" | "descending" | "none";
}

/**
 * The console's data table: a scrolling bordered frame, a caption for screen readers, a header
 * row of column titles (numbers right-aligned), and the rows the caller renders with `Td`.
 */
export function DataTable({
  caption,
  columns,
  minWidth,
  plain,
  children,
}: {
  caption: string;
  /** Column titles; an object for a right-aligned or sized one; `false` leaves a column out. */
  columns: (Column | string | false | null)[];
  /** A Tailwind min-width class, such as `min-w-[56rem]`, for tables that scroll on phones. */
  minWidth?: string;
  /** Without the frame, inside a panel or a section that has one. */
  plain?: boolean;
  children: ReactNode;
}) {
  return (
    // A region that can scroll sideways (phones) takes focus, so the keyboard can scroll it (axe
    // scrollable-region-focusable), and is named after its table.
    // biome-ignore lint/a11y/useSemanticElements: a group named after its table, not a fieldset of form controls
    <div
      role="group"
      aria-label={caption}
      // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must take focus to be scrolled from the keyboard
      tabIndex={0}
      className={`${plain ? "overflow-x-auto" : "overflow-x-auto rounded-lg border border-slate-200"} focus-visible:outline-2 focus-visible:outline-slate-900`}
    >
      <table className={`w-full ${minWidth ?? ""} text-left text-sm`}>
        <caption className="sr-only">{caption}</caption>
        <thead className={plain ? "border-b border-slate-200 text-slate-700" : "bg-slate-50 text-slate-700"}>
          <tr>
            {columns
              .filter((c): c is Column | string => Boolean(c))
              .map((c) => (typeof c === "string" ? { label: c } : c))
              .map((c, i) => (
                <th
                  // Column titles are fixed per table: their position is their identity.
                  // biome-ignore lint/suspicious/noArrayIndexKey: static header row
                  key={i}
                  scope="col"
                  aria-sort={c.sort}
                  className={`px-3 py-2 font-medium ${c.align === "right" ? "text-right" : ""} ${c.className ?? ""}`}
                >
                  {c.label}
                </th>
              ))}
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100 align-top">{children}</tbody>
      </table>
    </div>
  );
}

/** A body cell: `right` for amounts and counts (tabular figures), `nowrap` for times. */
export function Td({
  children,
  right,
  nowrap,
  className,
}: {
  children?: ReactNode;
  right?: boolean;
  nowrap?: boolean;
  className?: string;
}) {
  return (
    <td
      className={`px-3 py-2 ${right ? "text-right tabular-nums" : ""} ${nowrap ? "whitespace-nowrap" : ""} ${className ?? ""}`}
    >
      {children}
    </td>
  );
}

/** The row's first cell, a row header, as screen readers announce it. */
export function RowHeader({ children, className }: { children: ReactNode; className?: string }) {
  return (
    <th scope="row" className={`px-3 py-2 font-normal ${className ?? ""}`}>
      {children}
    </th>
  );
}

/** An in-table link to a record (an id in monospace, or a label); never broken mid-word. */
export function RecordLink({
  href,
  children,
  mono,
  prefetch,
}: {
  href: string;
  children: ReactNode;
  mono?: boolean;
  prefetch?: boolean;
}) {
  return (
    <Link
      href={href}
      prefetch={prefetch}
      className={`${mono ? "font-mono text-xs" : "font-medium"} inline-block min-h-6 py-1 whitespace-nowrap text-blue-800 underline underline-offset-2 focus-visible:outline-2 focus-visible:outline-slate-900`}
    >
      {children}
    </Link>
  );
}

/** What a list shows when it has nothing: a headline and what to do about it. */
export function EmptyList({ title, children }: { title?: string; children?: ReactNode }) {
  return (
    <div className="rounded-lg border border-dashed border-slate-300 px-6 py-8 text-center">
      {title ? <p className="font-medium text-slate-900">{title}</p> : null}
      {children ? <p className={`text-sm text-slate-700 ${title ? "mt-1" : ""}`}>{children}</p> : null}
    </div>
  );
}

/** A ledger transaction's id, linking to its page. */
export function TransactionLink({ id, prefetch }: { id: string; prefetch?: boolean }) {
  return (
    <RecordLink href={`/ledger/${encodeURIComponent(id)}`} prefetch={prefetch} mono>
      {id}
    </RecordLink>
  );
}

/** An agent's id (or `children`, its name), linking to its page. */
export function AgentLink({ id, children }: { id: string; children?: ReactNode }) {
  return <RecordLink href={`/agents/${encodeURIComponent(id)}`}>{children ?? id}</RecordLink>;
}

/** A cell holding a UTC timestamp. */
export function TimeCell({ iso, withSeconds }: { iso: string; withSeconds?: boolean }) {
  return (
    <Td nowrap>
      <UtcTime iso={iso} withSeconds={withSeconds} />
    </Td>
  );
}
