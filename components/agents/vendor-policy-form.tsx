"use client";

import { useRouter } from "next/navigation";
import { saveVendorPolicy } from "@/app/(console)/agents/actions";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { ErrorSummary, FormMessage } from "@/components/ui/form-message";
import { Textarea } from "@/components/ui/input";
import { formFields, useAction } from "@/components/ui/use-action";
import type { VendorPolicy } from "@/lib/payment-core/agents/vendor-policy";

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

/** The form's fields, each a textarea of one entry per line. */
const FIELDS = [
  {
    name: "hosts",
    label: "Allowed hosts",
    hint: "One per line: api.example.com (any port) or api.example.com:8443. Leave empty for any host.",
  },
  {
    name: "payees",
    label: "Allowed payee addresses",
    hint: "One 0x address per line. Leave empty for any payee.",
  },
  { name: "reason", label: "Reason (kept in the audit log)", hint: "Optional." },
] as const;

const ERROR_LABELS = { hosts: "Allowed hosts", payees: "Allowed payee addresses", reason: "Reason" };
const FIELD_IDS = { hosts: "vendor-hosts", payees: "vendor-payees", reason: "vendor-reason" };

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
  const { pending, errors, error, data, run } = useAction(saveVendorPolicy, {
    fields: { invalid_vendor_host: "hosts", invalid_payee: "payees" },
    labels: ERROR_LABELS,
    onSuccess: () => router.refresh(),
  });

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
          onSubmit={(event) => run({ agentId, ...formFields(event, ["hosts", "payees", "reason"]) })}
          noValidate
          aria-label="Edit the vendor allowlist"
          className="flex flex-col gap-4 rounded-lg border border-slate-200 p-4"
        >
          {FIELDS.map(({ name, label, hint }) => (
            <Field key={name} id={FIELD_IDS[name]} label={label} hint={hint} error={errors[name]}>
              {(control) => (
                <Textarea
                  {...control}
                  name={name}
                  rows={3}
                  autoComplete="off"
                  spellCheck={false}
                  defaultValue={name === "reason" ? "" : policy[name].join("\n")}
                  className="font-mono text-sm"
                />
              )}
            </Field>
          ))}
          <ErrorSummary errors={errors} ids={FIELD_IDS} />
          <FormMessage
            error={error}
            success={data === null ? null : "Saved. The allowlists apply from the agent's next payment."}
          />
          <div>
            <Button type="submit" disabled={pending}>
              {pending ? "Saving…" : "Save allowlist"}
            </Button>
          </div>
        </form>
      ) : null}
    </section>
  );
}
