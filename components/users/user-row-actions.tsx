"use client";

import { useState } from "react";
import { changeUserRole, setUserDisabledAction } from "@/app/(console)/settings/users/actions";
import type { Role } from "@/lib/payment-core/users";

/** Per-user controls on the users page: change the role, disable or enable. */
export function UserRowActions({
  user,
  roles,
}: {
  user: { id: string; email: string; role: Role; disabled: boolean };
  roles: readonly Role[];
}) {
  const [pending, setPending] = useState<"role" | "disabled" | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const errorId = `user-error-${user.id}`;

  async function saveRole(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setPending("role");
    setError(null);
    setSaved(null);
    const result = await changeUserRole(new FormData(event.currentTarget));
    setPending(null);
    if (!result.ok) setError(result.message);
    else setSaved(result.data.changed ? `Role set to ${result.data.role}` : "No change");
  }

  async function toggleDisabled() {
    setPending("disabled");
    setError(null);
    setSaved(null);
    const result = await setUserDisabledAction({ userId: user.id, disabled: !user.disabled });
    setPending(null);
    if (!result.ok) setError(result.message);
    else setSaved(result.data.disabled ? "Disabled" : "Enabled");
  }

  return (
    <div className="flex flex-col gap-1">
      <div className="flex flex-wrap items-center gap-2">
        <form onSubmit={saveRole} className="flex items-center gap-2">
          <input type="hidden" name="userId" value={user.id} />
          <label className="sr-only" htmlFor={`role-${user.id}`}>
            Change role
          </label>
          <select
            id={`role-${user.id}`}
            name="role"
            defaultValue={user.role}
            key={user.role}
            aria-describedby={error ? errorId : undefined}
            className="rounded-md border border-slate-300 bg-white px-2 py-1 text-sm focus-visible:outline-2 focus-visible:outline-slate-900"
          >
            {roles.map((role) => (
              <option key={role} value={role}>
                {role}
              </option>
            ))}
          </select>
          <button
            type="submit"
            disabled={pending !== null}
            className="rounded-md border border-slate-300 px-2.5 py-1 text-sm font-medium text-slate-900 hover:bg-slate-100 disabled:opacity-60 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-slate-900"
          >
            {pending === "role" ? "Saving…" : "Save role"}
          </button>
        </form>
        <button
          type="button"
          onClick={toggleDisabled}
          disabled={pending !== null}
          className={`rounded-md px-2.5 py-1 text-sm font-medium disabled:opacity-60 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-slate-900 ${user.disabled ? "border border-slate-300 text-slate-900 hover:bg-slate-100" : "border border-red-300 text-red-800 hover:bg-red-50"}`}
        >
          {pending === "disabled"
            ? user.disabled
              ? "Enabling…"
              : "Disabling…"
            : user.disabled
              ? "Enable user"
              : "Disable user"}
        </button>
      </div>
      {error ? (
        <p id={errorId} role="alert" className="text-sm text-red-800">
          {error}
        </p>
      ) : null}
      <p role="status" className="text-xs text-slate-600 empty:hidden">
        {saved ?? ""}
      </p>
    </div>
  );
}
