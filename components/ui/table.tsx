import Link from "next/link";
import type { ReactNode } from "react";

/**
 * The console's data table: a scrolling bordered frame, a caption for screen readers, a header
 * row of column titles (numbers right-aligned), and the rows the caller renders with `Td`.
 */
export interface Column {
  label: ReactNode;
  align?: "right";
}

export function DataTable({
  caption,
  columns,
  minWidth,
  children,
}: {
  caption: string;
  columns: (Column | false | null)[];
  /** A Tailwind min-width class, such as `min-w-[56rem]`, for tables that scroll on phones. */
  minWidth?: string;
  children: ReactNode;
}) {
  return (
    <div className="overflow-x-auto rounded-lg border border-slate-200">
      <table className={`w-full ${minWidth ?? ""} text-left text-sm`}>
        <caption className="sr-only">{caption}</caption>
        <thead className="bg-slate-50 text-slate-700">
          <tr>
            {columns
              .filter((c): c is Column => Boolean(c))
              .map((c, i) => (
                <th
                  // Column titles are fixed per table: their position is their identity.
                  // biome-ignore lint/suspicious/noArrayIndexKey: static header row
                  key={i}
                  scope="col"
                  className={`px-3 py-2 font-medium ${c.align === "right" ? "text-right" : ""}`}
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
export function RowHeader({ children }: { children: ReactNode }) {
  return (
    <th scope="row" className="px-3 py-2 font-normal">
      {children}
    </th>
  );
}

/** An in-table link to a record (an id in monospace, or a label). */
export function RecordLink({ href, children, mono }: { href: string; children: ReactNode; mono?: boolean }) {
  return (
    <Link
      href={href}
      className={`${mono ? "break-all font-mono text-xs" : "font-medium"} text-blue-800 underline underline-offset-2 focus-visible:outline-2 focus-visible:outline-slate-900`}
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
