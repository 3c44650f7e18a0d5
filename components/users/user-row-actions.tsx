"use client";

import { useState } from "react";
import { changeUserRole, setUserDisabledAction } from "@/app/(console)/settings/users/actions";
import { Button } from "@/components/ui/button";
import { FieldError } from "@/components/ui/field";
import { Select } from "@/components/ui/input";
import { useAction } from "@/components/ui/use-action";
import type { Role } from "@/lib/payment-core/access/users";

/** Per-user controls on the users page: change the role, disable or enable. */
export function UserRowActions({
  user,
  roles,
}: {
  user: { id: string; email: string; role: Role; disabled: boolean };
  roles: readonly Role[];
}) {
  const role = useAction(changeUserRole);
  const disable = useAction(setUserDisabledAction);
  // The two controls share one message line: the one used last speaks.
  const [last, setLast] = useState<"role" | "disabled" | null>(null);
  const pending = role.pending || disable.pending;
  const shown = last === "role" ? role.result : last === "disabled" ? disable.result : null;
  const error = shown && !shown.ok ? shown.message : null;
  const saved =
    last === "role" && role.data
      ? role.data.changed
        ? `Role set to ${role.data.role}`
        : "No change"
      : last === "disabled" && disable.data
        ? disable.data.disabled
          ? "Disabled"
          : "Enabled"
        : null;
  const errorId = `user-error-${user.id}`;

  return (
    <div className="flex flex-col gap-1">
      <div className="flex flex-wrap items-center gap-2">
        <form
          onSubmit={(event) => {
            event.preventDefault();
            setLast("role");
            role.run(new FormData(event.currentTarget));
          }}
          className="flex items-center gap-2"
        >
          <input type="hidden" name="userId" value={user.id} />
          <label className="sr-only" htmlFor={`role-${user.id}`}>
            Change role
          </label>
          <Select
            id={`role-${user.id}`}
            name="role"
            defaultValue={user.role}
            key={user.role}
            aria-describedby={error ? errorId : undefined}
            className="text-sm"
            options={roles}
          />
          <Button type="submit" variant="secondary" size="sm" disabled={pending}>
            {role.pending ? "Saving…" : "Save role"}
          </Button>
        </form>
        <Button
          variant={user.disabled ? "secondary" : "danger-outline"}
          size="sm"
          onClick={() => {
            setLast("disabled");
            disable.run({ userId: user.id, disabled: !user.disabled });
          }}
          disabled={pending}
        >
          {disable.pending
            ? user.disabled
              ? "Enabling…"
              : "Disabling…"
            : user.disabled
              ? "Enable user"
              : "Disable user"}
        </Button>
      </div>
      <FieldError id={errorId} message={error ?? undefined} />
      <p role="status" className="text-xs text-slate-600 empty:hidden">
        {saved ?? ""}
      </p>
    </div>
  );
}
