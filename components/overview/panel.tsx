import { type ReactNode, useId } from "react";

/** A titled section of the overview; the heading names the region for assistive technology. */
export function Panel({
  title,
  subtitle,
  info,
  actions,
  className,
  children,
}: {
  title: string;
  /** What the figures cover (a window, a time range), under the title. */
  subtitle?: ReactNode;
  info?: ReactNode;
  actions?: ReactNode;
  className?: string;
  children: ReactNode;
}) {
  const id = useId();
  return (
    <section
      aria-labelledby={id}
      className={`flex min-w-0 flex-col gap-3 rounded-lg border border-slate-200 bg-white p-4 ${className ?? ""}`}
    >
      <div className="flex items-start gap-2">
        <h2 id={id} className="text-base font-semibold text-slate-900">
          {title}
        </h2>
        {info ? <InfoTip label={`About ${title.toLowerCase()}`}>{info}</InfoTip> : null}
        {actions ? <div className="ml-auto">{actions}</div> : null}
      </div>
      {subtitle ? <p className="text-sm text-slate-600">{subtitle}</p> : null}
      {children}
    </section>
  );
}

/** An "i" button whose explanation shows on hover and on keyboard focus, and is its description. */
export function InfoTip({ label, children }: { label: string; children: ReactNode }) {
  const id = useId();
  return (
    <span className="group relative inline-flex">
      <button
        type="button"
        aria-describedby={id}
        className="inline-flex size-6 items-center justify-center rounded-full border border-slate-400 text-xs font-semibold text-slate-700 hover:bg-slate-100 focus-visible:outline-2 focus-visible:outline-slate-900"
      >
        i<span className="sr-only">{label}</span>
      </button>
      <span
        role="tooltip"
        id={id}
        className="absolute top-6 left-1/2 z-10 hidden w-64 max-w-[80vw] -translate-x-1/2 rounded-md border border-slate-200 bg-white p-3 text-xs font-normal text-slate-700 shadow-lg group-focus-within:block group-hover:block"
      >
        {children}
      </span>
    </span>
  );
}

export function EmptyState({ children }: { children: ReactNode }) {
  return (
    <p className="flex min-h-24 items-center justify-center rounded-md border border-dashed border-slate-300 px-4 py-6 text-center text-sm text-slate-600">
      {children}
    </p>
  );
}
