"use client";

import { useRef, useState } from "react";
import { addUserAction } from "@/app/(console)/settings/users/actions";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { ErrorSummary, FormMessage } from "@/components/ui/form-message";
import { Input, Select } from "@/components/ui/input";
import { useAction } from "@/components/ui/use-action";
import type { Role } from "@/lib/payment-core/access/users";

const ERROR_LABELS = { email: "Email", role: "Role", name: "Name", password: "Password" };
const FIELD_IDS = {
  email: "add-user-email",
  role: "add-user-role",
  name: "add-user-name",
  password: "add-user-password",
};

/**
 * `roles` come from the server page, so this client component does not import the users module's
 * runtime code (bcrypt, the database) into the browser bundle.
 */
export function AddUserForm({ roles }: { roles: readonly Role[] }) {
  const form = useRef<HTMLFormElement>(null);
  const [copied, setCopied] = useState(false);
  const { pending, errors, error, data, run } = useAction(addUserAction, {
    labels: ERROR_LABELS,
    onSuccess: () => form.current?.reset(),
  });
  // Every field's message under it (the control points at it) and all of them in a summary.
  const invalid = (field: keyof typeof FIELD_IDS) => ({ error: errors[field] });

  return (
    <section aria-labelledby="add-user-title" className="rounded-lg border border-slate-200 bg-white p-4">
      <h2 id="add-user-title" className="pb-3 text-lg font-semibold">
        Add a user
      </h2>
      {/* noValidate: the server's messages, for every field at once, are the one place errors appear. */}
      <form
        ref={form}
        onSubmit={(event) => {
          event.preventDefault();
          setCopied(false);
          run(new FormData(event.currentTarget));
        }}
        noValidate
        className="flex flex-col gap-4 text-sm"
      >
        <div className="grid grid-cols-1 gap-3 sm:grid-cols-2">
          <Field id="add-user-email" label="Email" {...invalid("email")}>
            {(control) => <Input {...control} name="email" type="email" required autoComplete="off" />}
          </Field>
          <Field id="add-user-role" label="Role" {...invalid("role")}>
            {(control) => <Select {...control} name="role" defaultValue="viewer" options={roles} />}
          </Field>
          <Field id="add-user-name" label="Name" {...invalid("name")}>
            {(control) => <Input {...control} name="name" autoComplete="off" />}
          </Field>
          <Field
            id="add-user-password"
            label="Password"
            hint="At least 12 characters. Leave it empty to generate one; it is shown once."
            {...invalid("password")}
          >
            {(control) => (
              <Input
                {...control}
                name="password"
                type="password"
                minLength={12}
                autoComplete="new-password"
              />
            )}
          </Field>
        </div>
        <ErrorSummary errors={errors} ids={FIELD_IDS} />
        <FormMessage error={error} />
        <div>
          <Button type="submit" size="lg" disabled={pending} className="text-sm">
            {pending ? "Adding user…" : "Add user"}
          </Button>
        </div>
      </form>
      <div role="status" className="empty:hidden">
        {data ? (
          <div className="mt-4 rounded-md border border-emerald-300 bg-emerald-50 px-3 py-2 text-sm text-emerald-900">
            <p>Added {data.email}.</p>
            {data.generatedPassword ? (
              <div className="mt-1 flex flex-wrap items-center gap-2">
                <p>
                  Their password (shown only now; pass it on securely):{" "}
                  <code
                    data-testid="generated-password"
                    className="select-all rounded bg-white px-1.5 py-0.5 font-mono"
                  >
                    {data.generatedPassword}
                  </code>
                </p>
                <button
                  type="button"
                  onClick={async () => {
                    await navigator.clipboard?.writeText(data.generatedPassword ?? "");
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
