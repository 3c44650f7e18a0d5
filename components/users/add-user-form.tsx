"use client";

import { useRef, useState } from "react";
import { addUserAction } from "@/app/(console)/settings/users/actions";
import type { Role } from "@/lib/payment-core/users";

const INPUT =
  "rounded-md border border-slate-300 bg-white px-3 py-2 font-normal text-slate-900 focus-visible:outline-2 focus-visible:outline-slate-900 aria-invalid:border-red-600 aria-invalid:ring-1 aria-invalid:ring-red-600";
const FIELD = "flex flex-col gap-1 text-sm font-medium text-slate-800";

type Field = "email" | "role" | "name" | "password";

/** The field an error is about: from zod's issue path, or the "field: message" prefix. */
function fieldOf(result: { message: string; details?: Record<string, unknown> }): Field | null {
  const issues = result.details?.issues as { path: string }[] | undefined;
  const name = issues?.[0]?.path ?? result.message.split(":")[0] ?? "";
  return (["email", "role", "name", "password"] as const).find((f) => f === name) ?? null;
}

/** `roles` come from the server: payment-core is never bundled for the browser. */
export function AddUserForm({ roles }: { roles: readonly Role[] }) {
  const form = useRef<HTMLFormElement>(null);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<{ message: string; field: Field | null } | null>(null);
  const [added, setAdded] = useState<{ email: string; password: string | null } | null>(null);
  const [copied, setCopied] = useState(false);

  async function submit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setPending(true);
    setError(null);
    setAdded(null);
    setCopied(false);
    const result = await addUserAction(new FormData(event.currentTarget));
    setPending(false);
    if (!result.ok) {
      setError({ message: result.message, field: fieldOf(result) });
      return;
    }
    form.current?.reset();
    setAdded({ email: result.data.email, password: result.data.generatedPassword });
  }

  const invalid = (field: Field) =>
    error?.field === field ? { "aria-invalid": true as const, "aria-describedby": "add-user-error" } : {};

  return (
    <section aria-labelledby="add-user-title" className="rounded-lg border border-slate-200 bg-white p-4">
      <h2 id="add-user-title" className="pb-3 text-lg font-semibold">
        Add a user
      </h2>
      {/* noValidate: the server's messages, in an alert, are the one place errors appear. */}
      <form ref={form} onSubmit={submit} noValidate className="flex flex-col gap-4">
        <div className="grid grid-cols-1 gap-3 sm:grid-cols-2">
          <div className={FIELD}>
            <label htmlFor="add-user-email">Email</label>
            <input
              id="add-user-email"
              name="email"
              type="email"
              required
              autoComplete="off"
              className={INPUT}
              {...invalid("email")}
            />
          </div>
          <div className={FIELD}>
            <label htmlFor="add-user-role">Role</label>
            <select
              id="add-user-role"
              name="role"
              defaultValue="viewer"
              className={INPUT}
              {...invalid("role")}
            >
              {roles.map((role) => (
                <option key={role} value={role}>
                  {role}
                </option>
              ))}
            </select>
          </div>
          <div className={FIELD}>
            <label htmlFor="add-user-name">Name</label>
            <input id="add-user-name" name="name" autoComplete="off" className={INPUT} {...invalid("name")} />
          </div>
          <div className={FIELD}>
            <label htmlFor="add-user-password">Password</label>
            <input
              id="add-user-password"
              name="password"
              type="password"
              minLength={12}
              autoComplete="new-password"
              aria-describedby={`add-user-password-hint${error?.field === "password" ? " add-user-error" : ""}`}
              aria-invalid={error?.field === "password" ? true : undefined}
              className={INPUT}
            />
            <span id="add-user-password-hint" className="text-xs font-normal text-slate-600">
              At least 12 characters. Leave it empty to generate one; it is shown once.
            </span>
          </div>
        </div>
        {error ? (
          <p id="add-user-error" role="alert" className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-800">
            {error.message}
          </p>
        ) : null}
        <div>
          <button
            type="submit"
            disabled={pending}
            className="rounded-md bg-slate-900 px-4 py-2 text-sm font-medium text-white hover:bg-slate-700 disabled:opacity-60 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-slate-900"
          >
            {pending ? "Adding user…" : "Add user"}
          </button>
        </div>
      </form>
      <div role="status" className="empty:hidden">
        {added ? (
          <div className="mt-4 rounded-md border border-emerald-300 bg-emerald-50 px-3 py-2 text-sm text-emerald-900">
            <p>Added {added.email}.</p>
            {added.password ? (
              <div className="mt-1 flex flex-wrap items-center gap-2">
                <p>
                  Their password (shown only now; pass it on securely):{" "}
                  <code
                    data-testid="generated-password"
                    className="select-all rounded bg-white px-1.5 py-0.5 font-mono"
                  >
                    {added.password}
                  </code>
                </p>
                <button
                  type="button"
                  onClick={async () => {
                    await navigator.clipboard?.writeText(added.password ?? "");
                    setCopied(true);
                  }}
                  className="rounded-md border border-emerald-400 px-2 py-0.5 text-xs font-medium hover:bg-emerald-100"
                >
                  {copied ? "Copied" : "Copy password"}
                </button>
              </div>
            ) : null}
          </div>
        ) : null}
      </div>
    </section>
  );
}
