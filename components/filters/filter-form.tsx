"use client";

import Form from "next/form";
import { useSearchParams } from "next/navigation";
import { type ReactNode, useEffect, useState } from "react";

/**
 * A GET filter form that navigates in place (next/form) and leaves empty fields out of the
 * URL, so `/ledger?status=failed` rather than `/ledger?agent=&vendor=&status=failed…`.
 * Without JavaScript it is a plain GET form; the page then drops the empty parameters itself.
 */
export function FilterForm({
  action,
  id,
  className,
  children,
}: {
  action: string;
  id?: string;
  className?: string;
  children: ReactNode;
}) {
  const search = useSearchParams();
  const [pending, setPending] = useState(false);
  // A new URL means the navigation this form started has landed.
  useEffect(() => {
    if (search) setPending(false);
  }, [search]);

  function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    const emptied: (HTMLInputElement | HTMLSelectElement)[] = [];
    for (const element of Array.from(event.currentTarget.elements)) {
      if (
        (element instanceof HTMLInputElement || element instanceof HTMLSelectElement) &&
        element.name &&
        !element.disabled &&
        element.value.trim() === ""
      ) {
        element.disabled = true; // disabled fields are not submitted
        emptied.push(element);
      }
    }
    const query = new URLSearchParams(
      Array.from(new FormData(event.currentTarget), ([k, v]) => [k, String(v)]),
    ).toString();
    // Submitting what is already shown does not navigate: nothing to wait for.
    if (query !== (search?.toString() ?? "")) setPending(true);
    // Give them back once the browser has read the form.
    setTimeout(() => {
      for (const element of emptied) element.disabled = false;
    }, 0);
  }

  return (
    <Form action={action} id={id} onSubmit={onSubmit} aria-busy={pending} className={className}>
      {children}
      {pending ? (
        <p role="status" className="text-sm text-slate-600">
          Applying filters…
        </p>
      ) : null}
    </Form>
  );
}
