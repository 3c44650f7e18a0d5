"use client";

import { useRouter } from "next/navigation";
import { useId, useState } from "react";
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

/** The textarea's entries, one a line, trimmed, empty lines left out. */
const lines = (text: string) =>
  text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== "");

/**
 * The vendor catalog's hosts as checkboxes beside the hosts textarea: checking one adds its line,
 * unchecking removes it; typing a host stays possible (the textarea is what is saved).
 */
function CatalogHostPicker({
  hosts,
  value,
  onChange,
}: {
  hosts: string[];
  value: string;
  onChange: (next: string) => void;
}) {
  const id = useId();
  const chosen = new Set(lines(value).map((l) => l.toLowerCase()));
  const toggle = (host: string, on: boolean) => {
    const kept = lines(value).filter((l) => l.toLowerCase() !== host);
    onChange([...kept, ...(on ? [host] : [])].join("\n"));
  };
  return (
    <fieldset className="flex flex-col gap-2" aria-describedby={`${id}-hint`}>
      <legend className="text-sm font-medium text-slate-800">Choose from the vendor catalog</legend>
      <p id={`${id}-hint`} className="text-xs text-slate-600">
        Checking a host adds it to the list above; unchecking removes it.
      </p>
      <ul className="flex max-h-48 flex-col gap-1 overflow-y-auto rounded-md border border-slate-200 p-2">
        {hosts.map((host, i) => (
          <li key={host} className="flex min-w-0 items-center gap-2">
            <input
              id={`${id}-${i}`}
              type="checkbox"
              className="size-6 shrink-0"
              checked={chosen.has(host)}
              onChange={(event) => toggle(host, event.currentTarget.checked)}
            />
            <label htmlFor={`${id}-${i}`} className="min-w-0 break-all font-mono text-xs">
              {host}
            </label>
          </li>
        ))}
      </ul>
    </fieldset>
  );
}

/**
 * The agent's vendor allowlists. Operators edit them (applied from the next payment, audited),
 * choosing hosts from the vendor catalog or typing them; viewers see them read-only.
 */
export function VendorPolicySection({
  agentId,
  policy,
  canEdit,
  catalogHosts = [],
}: {
  agentId: string;
  policy: VendorPolicy;
  canEdit: boolean;
  /** The vendor catalog's hosts, offered as checkboxes beside the hosts field. */
  catalogHosts?: string[];
}) {
  const [hosts, setHosts] = useState(policy.hosts.join("\n"));
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
            <div key={name} className="flex flex-col gap-3">
              <Field id={FIELD_IDS[name]} label={label} hint={hint} error={errors[name]}>
                {(control) =>
                  name === "hosts" ? (
                    <Textarea
                      {...control}
                      name={name}
                      rows={3}
                      autoComplete="off"
                      spellCheck={false}
                      value={hosts}
                      onChange={(event) => setHosts(event.currentTarget.value)}
                      className="font-mono text-sm"
                    />
                  ) : (
                    <Textarea
                      {...control}
                      name={name}
                      rows={3}
                      autoComplete="off"
                      spellCheck={false}
                      defaultValue={name === "reason" ? "" : policy[name].join("\n")}
                      className="font-mono text-sm"
                    />
                  )
                }
              </Field>
              {name === "hosts" && catalogHosts.length > 0 ? (
                <CatalogHostPicker hosts={catalogHosts} value={hosts} onChange={setHosts} />
              ) : null}
            </div>
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
