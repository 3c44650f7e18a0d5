"use client";

import { type ReactNode, useId, useState } from "react";
import { buttonClass } from "@/components/ui/button-class";

/**
 * On phones the filters fold behind a "Filters (n)" button (n: the filters in use), so the list
 * starts in the first screen; from `sm` up they are always shown. The active filters' chips sit
 * beside the button (below the panel on wider screens). Without JavaScript the panel is shown
 * (`FILTERS_NOSCRIPT_CSS`).
 */
export function FilterDisclosure({
  active,
  chips,
  initiallyOpen = false,
  children,
}: {
  active: number;
  chips: ReactNode;
  /** Open from the start (a filter error to show). */
  initiallyOpen?: boolean;
  children: ReactNode;
}) {
  const [open, setOpen] = useState(initiallyOpen);
  const id = useId();
  return (
    <div className="flex flex-col gap-3">
      <div className="flex flex-wrap items-center gap-2 sm:order-2">
        <button
          type="button"
          data-filter-toggle
          aria-expanded={open}
          aria-controls={id}
          onClick={() => setOpen((o) => !o)}
          className={`${buttonClass({ variant: "secondary" })} sm:hidden`}
        >
          {active > 0 ? `Filters (${active})` : "Filters"}
        </button>
        {chips}
      </div>
      <div id={id} data-filter-panel className={`sm:order-1 ${open ? "" : "max-sm:hidden"}`}>
        {children}
      </div>
    </div>
  );
}
