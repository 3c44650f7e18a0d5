import Link from "next/link";
import { buttonClass } from "@/components/ui/button-class";

const LINK = buttonClass({ variant: "secondary" });

/** Keyset pagination: links only (they work without JavaScript and can be bookmarked). */
export function Pager({
  label,
  firstHref,
  previousHref,
  nextHref,
}: {
  label: string;
  /** Set when this is not the first page. */
  firstHref: string | null;
  previousHref: string | null;
  nextHref: string | null;
}) {
  if (!firstHref && !previousHref && !nextHref) return null;
  return (
    <nav aria-label={label} className="flex flex-wrap items-center gap-2">
      {firstHref ? (
        <Link href={firstHref} className={LINK}>
          First page
        </Link>
      ) : null}
      {previousHref ? (
        <Link href={previousHref} className={LINK}>
          Previous page
        </Link>
      ) : null}
      {nextHref ? (
        <Link href={nextHref} className={`${LINK} ml-auto`}>
          Next page
        </Link>
      ) : (
        <p className="ml-auto text-sm text-slate-600">Last page</p>
      )}
    </nav>
  );
}
