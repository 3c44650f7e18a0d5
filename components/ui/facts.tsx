import type { ReactNode } from "react";

/** A bordered section of a record page with its heading; the heading names the region. */
export function Card({ title, children }: { title: string; children: ReactNode }) {
  const id = `section-${title.toLowerCase().replace(/[^a-z0-9]+/g, "-")}`;
  return (
    <section aria-labelledby={id} className="rounded-lg border border-slate-200 bg-white px-4 py-3">
      <h2 id={id} className="pb-1 text-base font-semibold">
        {title}
      </h2>
      {children}
    </section>
  );
}

/** A record's facts (a transaction, a report) as a definition list, in a card with its heading. */
export function Facts({ title, children }: { title: string; children: ReactNode }) {
  return (
    <Card title={title}>
      <dl className="divide-y divide-slate-100">{children}</dl>
    </Card>
  );
}

/** The console's one empty marker: a dash, named for screen readers ("Not recorded" unless told). */
export function EmptyMark({ label = "Not recorded" }: { label?: string }) {
  return (
    <span role="img" aria-label={label} className="text-slate-500">
      —
    </span>
  );
}

/** One fact: its label and its value (`value` for a plain one, children for a composed one); "—" when empty. */
export function Fact({
  label,
  value,
  children = value,
  mono,
}: {
  label: string;
  value?: ReactNode;
  children?: ReactNode;
  mono?: boolean;
}) {
  return (
    <div className="grid grid-cols-1 gap-1 py-2 sm:grid-cols-[12rem_1fr] sm:gap-4">
      <dt className="text-sm font-medium text-slate-600">{label}</dt>
      <dd className={`min-w-0 text-sm text-slate-900 ${mono ? "break-all font-mono text-xs leading-5" : ""}`}>
        {children ?? <EmptyMark />}
      </dd>
    </div>
  );
}
