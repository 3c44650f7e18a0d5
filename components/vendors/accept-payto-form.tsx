"use client";

import { useRouter } from "next/navigation";
import { acceptPayToAction } from "@/app/(console)/vendors/actions";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { ErrorSummary, FormMessage } from "@/components/ui/form-message";
import { Input } from "@/components/ui/input";
import { formFields, useAction } from "@/components/ui/use-action";

const FIELD_IDS = { payTo: "accept-payto-address", reason: "accept-payto-reason" };
const LABELS = { payTo: "Address to accept", reason: "Reason" };

/**
 * Accepting a vendor's payTo (operators): the address is filled in with the one the vendor asked
 * for, to be confirmed with the vendor out of band first. Audited; applies from the next payment.
 */
export function AcceptPayToForm({ host, suggested }: { host: string; suggested: string | null }) {
  const router = useRouter();
  const { pending, errors, error, data, run } = useAction(acceptPayToAction, {
    fields: { invalid_payee: "payTo", invalid_vendor_host: "payTo" },
    labels: LABELS,
    onSuccess: () => router.refresh(),
  });
  return (
    <form
      onSubmit={(event) => run({ host, ...formFields(event, ["payTo", "reason"]) })}
      noValidate
      aria-label={`Accept a payTo for ${host}`}
      className="flex flex-col gap-4 rounded-lg border border-slate-200 p-4"
    >
      <p className="text-sm text-slate-700">
        Confirm the address with the vendor through a channel you already trust (not its 402, not its listing:
        a taken-over server answers both) before you accept it.
      </p>
      <Field id={FIELD_IDS.payTo} label={LABELS.payTo} error={errors.payTo}>
        {(control) => (
          <Input
            {...control}
            name="payTo"
            defaultValue={suggested ?? ""}
            autoComplete="off"
            spellCheck={false}
            className="break-all font-mono text-sm"
          />
        )}
      </Field>
      <Field
        id={FIELD_IDS.reason}
        label="Reason (kept in the audit log)"
        hint="How the address was confirmed."
        error={errors.reason}
      >
        {(control) => <Input {...control} name="reason" autoComplete="off" />}
      </Field>
      <ErrorSummary errors={errors} ids={FIELD_IDS} />
      <FormMessage
        error={error}
        success={
          data === null
            ? null
            : data.changed
              ? `Accepted: ${data.host} is paid at ${data.payTo} from the next payment.`
              : `${data.host} was already paid at ${data.payTo}; its payTo alerts are closed.`
        }
      />
      <div>
        <Button type="submit" disabled={pending}>
          {pending ? "Accepting…" : "Accept this payTo"}
        </Button>
      </div>
    </form>
  );
}
