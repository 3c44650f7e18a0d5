"use client";

import Form from "next/form";
import { useSearchParams } from "next/navigation";
import { type ReactNode, useEffect, useRef, useState } from "react";

/** How long typing must pause before a text filter applies itself. */
const TYPING_PAUSE_MS = 500;

/**
 * A GET filter form that navigates in place (next/form) and leaves empty fields out of the
 * URL, so `/ledger?status=failed` rather than `/ledger?agent=&vendor=&status=failed…`.
 * Without JavaScript it is a plain GET form; the page then drops the empty parameters itself.
 *
 * `applyOnChange`: a select or a date applies as it changes, a text field once typing pauses
 * (or on Enter); the fields then follow the URL (a removed chip, back and forward) without
 * taking the text from the field being typed in.
 */
export function FilterForm({
  action,
  id,
  className,
  applyOnChange,
  children,
}: {
  action: string;
  id?: string;
  className?: string;
  applyOnChange?: boolean;
  children: ReactNode;
}) {
  const search = useSearchParams();
  const [pending, setPending] = useState(false);
  const form = useRef<HTMLFormElement>(null);
  const typing = useRef<ReturnType<typeof setTimeout> | null>(null);
  // A new URL means the navigation this form started has landed.
  useEffect(() => {
    if (search) setPending(false);
    if (!applyOnChange || !form.current) return;
    for (const element of Array.from(form.current.elements)) {
      if (
        (element instanceof HTMLInputElement || element instanceof HTMLSelectElement) &&
        element.name &&
        element.type !== "hidden" &&
        element !== document.activeElement
      ) {
        element.value = search?.get(element.name) ?? "";
      }
    }
  }, [search, applyOnChange]);
  useEffect(
    () => () => {
      if (typing.current) clearTimeout(typing.current);
    },
    [],
  );

  function onChange(event: React.FormEvent<HTMLFormElement>) {
    if (!applyOnChange) return;
    const target = event.target;
    if (typing.current) clearTimeout(typing.current);
    const now =
      target instanceof HTMLSelectElement || (target instanceof HTMLInputElement && target.type === "date");
    if (now) form.current?.requestSubmit();
    else typing.current = setTimeout(() => form.current?.requestSubmit(), TYPING_PAUSE_MS);
  }

  function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    if (typing.current) clearTimeout(typing.current);
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
    <Form
      ref={form}
      action={action}
      id={id}
      onChange={onChange}
      onSubmit={onSubmit}
      aria-busy={pending}
      className={className}
    >
      {children}
      {pending ? (
        <p role="status" className="text-sm text-slate-600">
          Applying filters…
        </p>
      ) : null}
    </Form>
  );
}
