import { cx } from "./cx";

/**
 * A console page while its data is read: the heading (list pages) or a heading-shaped bar
 * (record pages), a status line for screen readers and sighted users, and grey blocks in the
 * page's shape.
 */
export function PageLoading({
  title,
  status,
  blocks,
  maxWidth = "",
}: {
  /** List pages keep their heading; record pages (whose title is data) leave it out. */
  title?: string;
  status: string;
  /**
   * One Tailwind height class per block, such as `h-40`; a list of them is a row of blocks side
   * by side on wide screens.
   */
  blocks: (string | string[])[];
  maxWidth?: string;
}) {
  return (
    <div className={cx("flex flex-col gap-5", maxWidth)} aria-busy="true">
      {title ? <h1 className="text-2xl font-semibold">{title}</h1> : null}
      <p role="status" className="text-sm text-slate-600">
        {status}
      </p>
      {title ? null : <div className="h-10 w-2/3 animate-pulse rounded bg-slate-100" />}
      {blocks.map((block, i) =>
        typeof block === "string" ? (
          // Static skeleton blocks: their position is their identity.
          // biome-ignore lint/suspicious/noArrayIndexKey: static skeleton
          <Block key={i} height={block} />
        ) : (
          // biome-ignore lint/suspicious/noArrayIndexKey: static skeleton
          <div key={i} className={cx("grid gap-4", block.length === 3 ? "md:grid-cols-3" : "lg:grid-cols-2")}>
            {block.map((height, j) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: static skeleton
              <Block key={j} height={height} />
            ))}
          </div>
        ),
      )}
    </div>
  );
}

function Block({ height }: { height: string }) {
  return <div aria-hidden="true" className={cx(height, "animate-pulse rounded-lg bg-slate-100")} />;
}
