"use client";

import { useRouter } from "next/navigation";
import { useId } from "react";
import { saveVendorPolicy } from "@/app/(console)/agents/actions";
import type { VendorPolicy } from "@/lib/payment-core/vendor-policy";
import { FieldError, FormMessage, inputClass, primaryButtonClass, useActionForm } from "./form-feedback";

function PolicyList({ label, entries }: { label: string; entries: string[] }) {
  return (
    <div className="flex flex-col gap-1">
      <h3 className="text-sm font-medium">{label}</h3>
      {entries.length === 0 ? (
        <p className="text-sm text-slate-700">Any (no restriction)</p>
      ) : (
        <ul aria-label={label} className="flex flex-wrap gap-2">
          {entries.map((e) => (
            <li key={e} className="rounded bg-slate-100 px-2 py-0.5 font-mono text-xs">
              {e}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function ListField({
  name,
  label,
  defaultValue,
  error,
  hint,
}: {
  name: string;
  label: string;
  defaultValue: string;
  error: string | undefined;
  hint: string;
}) {
  const id = useId();
  return (
    <div className="flex flex-col gap-1">
      <label htmlFor={id} className="text-sm font-medium">
        {label}
      </label>
      <textarea
        id={id}
        name={name}
        rows={3}
        autoComplete="off"
        spellCheck={false}
        defaultValue={defaultValue}
        aria-invalid={error ? true : undefined}
        aria-describedby={`${id}-hint${error ? ` ${id}-error` : ""}`}
        className={`${inputClass} font-mono text-sm`}
      />
      <p id={`${id}-hint`} className="text-xs text-slate-600">
        {hint}
      </p>
      <FieldError id={`${id}-error`} message={error} />
    </div>
  );
}

/**
 * The agent's vendor allowlists. Operators edit them (applied from the next payment, audited);
 * viewers see them read-only.
 */
export function VendorPolicySection({
  agentId,
  policy,
  canEdit,
}: {
  agentId: string;
  policy: VendorPolicy;
  canEdit: boolean;
}) {
  const router = useRouter();
  const { pending, errors, error, success, submit } = useActionForm();

  async function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    await submit(
      () =>
        saveVendorPolicy({
          agentId,
          hosts: String(form.get("hosts") ?? ""),
          payees: String(form.get("payees") ?? ""),
          reason: String(form.get("reason") ?? ""),
        }),
      {
        success: () => "Saved. The allowlists apply from the agent's next payment.",
        fields: { invalid_vendor_host: "hosts", invalid_payee: "payees" },
        after: () => router.refresh(),
      },
    );
  }

  return (
    <section aria-labelledby="vendor-policy-title" className="flex flex-col gap-3">
      <div>
        <h2 id="vendor-policy-title" className="text-lg font-semibold">
          Vendor allowlist
        </h2>
        <p className="text-sm text-slate-700">
          Payments to any other host or payee are refused with <code>vendor_not_allowed</code>, before
          anything is signed. An empty list allows any.
        </p>
      </div>
      <PolicyList label="Allowed hosts" entries={policy.hosts} />
      <PolicyList label="Allowed payees" entries={policy.payees} />
      {canEdit ? (
        <form
          onSubmit={onSubmit}
          noValidate
          aria-label="Edit the vendor allowlist"
          className="flex flex-col gap-4 rounded-lg border border-slate-200 p-4"
        >
          <ListField
            name="hosts"
            label="Allowed hosts"
            defaultValue={policy.hosts.join("\n")}
            error={errors.hosts}
            hint="One per line: api.example.com (any port) or api.example.com:8443. Leave empty for any host."
          />
          <ListField
            name="payees"
            label="Allowed payee addresses"
            defaultValue={policy.payees.join("\n")}
            error={errors.payees}
            hint="One 0x address per line. Leave empty for any payee."
          />
          <ListField
            name="reason"
            label="Reason (kept in the audit log)"
            defaultValue=""
            error={errors.reason}
            hint="Optional."
          />
          <FormMessage error={error} success={success} />
          <div>
            <button type="submit" disabled={pending} className={primaryButtonClass}>
              {pending ? "Saving…" : "Save allowlist"}
            </button>
          </div>
        </form>
      ) : null}
    </section>
  );
}
