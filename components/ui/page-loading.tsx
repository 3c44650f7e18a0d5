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
  /** One Tailwind height class per block, such as `h-40`. */
  blocks: string[];
  maxWidth?: string;
}) {
  return (
    <div className={`flex ${maxWidth} flex-col gap-5`} aria-busy="true">
      {title ? <h1 className="text-2xl font-semibold">{title}</h1> : null}
      <p role="status" className="text-sm text-slate-600">
        {status}
      </p>
      {title ? null : <div className="h-10 w-2/3 animate-pulse rounded bg-slate-100" />}
      {blocks.map((height, i) => (
        // Static skeleton blocks: their position is their identity.
        // biome-ignore lint/suspicious/noArrayIndexKey: static skeleton
        <div key={i} className={`${height} animate-pulse rounded-lg bg-slate-100`} />
      ))}
    </div>
  );
}
