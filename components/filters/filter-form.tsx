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
 * (a search box on Enter; Enter applies any field at once); the fields then follow the URL (a removed chip, back and forward) without
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
    // A search box waits for Enter: half an id typed would open (or miss) one transaction.
    if (target instanceof HTMLInputElement && target.type === "search") return;
    if (now) form.current?.requestSubmit();
    else typing.current = setTimeout(() => form.current?.requestSubmit(), TYPING_PAUSE_MS);
  }

  /** Enter in a field applies at once (whether or not the form shows a submit button). */
  function onKeyDown(event: React.KeyboardEvent<HTMLFormElement>) {
    if (!applyOnChange || event.key !== "Enter" || !(event.target instanceof HTMLInputElement)) return;
    event.preventDefault();
    form.current?.requestSubmit();
  }

  function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    if (typing.current) clearTimeout(typing.current);
    // Empty fields are left out of the URL: unnamed for a moment (not disabled, which would take
    // the focus from a field just cleared while typing), so the browser does not submit them.
    const emptied: [HTMLInputElement | HTMLSelectElement, string][] = [];
    for (const element of Array.from(event.currentTarget.elements)) {
      if (
        (element instanceof HTMLInputElement || element instanceof HTMLSelectElement) &&
        element.name &&
        !element.disabled &&
        element.value.trim() === ""
      ) {
        emptied.push([element, element.name]);
        element.removeAttribute("name");
      }
    }
    const query = new URLSearchParams(
      Array.from(new FormData(event.currentTarget), ([k, v]) => [k, String(v)]),
    ).toString();
    // Submitting what is already shown does not navigate: nothing to wait for.
    if (query !== (search?.toString() ?? "")) setPending(true);
    // Give them back once the browser has read the form.
    setTimeout(() => {
      for (const [element, name] of emptied) element.name = name;
    }, 0);
  }

  return (
    <Form
      ref={form}
      action={action}
      id={id}
      onChange={onChange}
      onKeyDown={onKeyDown}
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
