import type { ReactNode } from "react";

/**
 * A chart with its text alternative: the caption says what it shows in words, the drawing is
 * hidden from assistive technology, and the table below holds the same figures.
 */
export function ChartFigure({
  caption,
  chartKey,
  chart,
  table,
  className,
}: {
  caption: ReactNode;
  /** What the colours mean (`<ChartKey>`), when the drawing has more than one series. */
  chartKey?: ReactNode;
  chart: ReactNode;
  table: ReactNode;
  className?: string;
}) {
  return (
    <figure className={`flex flex-col gap-2 ${className ?? ""}`}>
      <figcaption className="text-sm text-slate-800">{caption}</figcaption>
      {chartKey}
      <div aria-hidden="true">{chart}</div>
      {table}
    </figure>
  );
}

/** The data behind a chart, as a table: the chart's text alternative, open to everyone. */
export function ChartDataTable({
  caption,
  headers,
  rows,
  summary = "Show the data as a table",
}: {
  caption: string;
  headers: string[];
  /** The first cell of each row names it (a time, an agent). */
  rows: { key: string; cells: ReactNode[] }[];
  summary?: string;
}) {
  return (
    <details className="text-sm">
      <summary className="cursor-pointer text-slate-700 hover:text-slate-900">{summary}</summary>
      {/* biome-ignore lint/a11y/useSemanticElements: a group named after its table, not a fieldset of form controls */}
      <div
        role="group"
        aria-label={caption}
        // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must take focus to be scrolled from the keyboard
        tabIndex={0}
        className="mt-2 max-h-64 overflow-auto focus-visible:outline-2 focus-visible:outline-slate-900"
      >
        <table className="w-full text-left text-xs">
          <caption className="sr-only">{caption}</caption>
          <thead className="sticky top-0 bg-white">
            <tr>
              {headers.map((h) => (
                <th key={h} scope="col" className="border-b border-slate-200 px-2 py-1 font-medium">
                  {h}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map(({ key, cells: [first, ...rest] }) => (
              <tr key={key} className="odd:bg-slate-50">
                <th scope="row" className="px-2 py-0.5 font-normal tabular-nums">
                  {first}
                </th>
                {rest.map((cell, i) => (
                  // biome-ignore lint/suspicious/noArrayIndexKey: cells are positional columns
                  <td key={i} className="px-2 py-0.5 tabular-nums">
                    {cell}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </details>
  );
}

export interface ChartKeyItem {
  label: string;
  color: string;
  /** How the series is drawn: a line, a dashed line, a bar, or a shaded area. */
  mark: "line" | "dashed" | "bar" | "area";
}

/**
 * What each colour of a chart means, in HTML beside the drawing (so it renders with the page, in
 * readable text, while the drawing itself is still loading).
 */
export function ChartKey({ items }: { items: ChartKeyItem[] }) {
  return (
    <ul className="flex flex-wrap gap-x-4 gap-y-1 text-xs text-slate-700" aria-label="Chart key">
      {items.map((item) => (
        <li key={item.label} className="flex items-center gap-1.5">
          <svg aria-hidden="true" width="16" height="10" className="shrink-0">
            {item.mark === "bar" || item.mark === "area" ? (
              <rect
                x="2"
                y="1"
                width="12"
                height="8"
                fill={item.color}
                stroke={item.mark === "area" ? "var(--chart-key-edge)" : "none"}
              />
            ) : (
              <line
                x1="0"
                y1="5"
                x2="16"
                y2="5"
                stroke={item.color}
                strokeWidth="2"
                strokeDasharray={item.mark === "dashed" ? "4 3" : undefined}
              />
            )}
          </svg>
          {item.label}
        </li>
      ))}
    </ul>
  );
}
