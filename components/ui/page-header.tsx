import Link from "next/link";
import { type ReactNode, useId } from "react";
import { cx } from "./cx";

/** A list page's heading, what the page is for, and actions on its right (downloads, say). */
export function PageHeader({
  title,
  children,
  actions,
}: {
  title: ReactNode;
  /** The page's description. */
  children?: ReactNode;
  actions?: ReactNode;
}) {
  return (
    <header className="flex flex-wrap items-end justify-between gap-3">
      <div className="flex flex-col gap-1">
        <h1 className="text-2xl font-semibold">{title}</h1>
        {children ? <p className="max-w-3xl text-sm text-slate-700">{children}</p> : null}
      </div>
      {actions}
    </header>
  );
}

/**
 * A record page (a transaction, a report): the way back to its list, its heading with the
 * record's badge and figures beside it, then its sections.
 */
export function RecordPage({
  back,
  title,
  titleClassName = "text-2xl font-semibold",
  maxWidth = "max-w-5xl",
  aside,
  children,
}: {
  back: { href: string; label: string };
  title: ReactNode;
  titleClassName?: string;
  maxWidth?: string;
  /** Beside the heading: a status badge, a count, an amount. */
  aside?: ReactNode;
  children: ReactNode;
}) {
  return (
    <div className={cx("flex flex-col gap-5", maxWidth)}>
      <Link href={back.href} className="self-start text-sm text-blue-800 underline underline-offset-2">
        ← {back.label}
      </Link>
      <header className="flex flex-wrap items-center gap-3">
        <h1 className={titleClassName}>{title}</h1>
        {aside}
      </header>
      {children}
    </div>
  );
}

/** A titled part of a page; its heading names the region for assistive technology. */
export function Section({
  title,
  actions,
  className,
  children,
}: {
  title: ReactNode;
  actions?: ReactNode;
  className?: string;
  children: ReactNode;
}) {
  const id = useId();
  return (
    <section aria-labelledby={id} className={cx("flex flex-col gap-3", className)}>
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <h2 id={id} className="text-lg font-semibold">
          {title}
        </h2>
        {actions}
      </div>
      {children}
    </section>
  );
}

/** A record page's "not found": what is missing, why that may be, and the way back. */
export function NotFoundPage({
  title,
  back,
  children,
}: {
  title: string;
  back: { href: string; label: string };
  children: ReactNode;
}) {
  return (
    <div className="flex max-w-xl flex-col gap-3">
      <h1 className="text-2xl font-semibold">{title}</h1>
      <p className="text-slate-700">{children}</p>
      <Link href={back.href} className="self-start font-medium text-blue-800 underline underline-offset-4">
        {back.label}
      </Link>
    </div>
  );
}
