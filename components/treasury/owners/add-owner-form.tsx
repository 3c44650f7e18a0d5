"use client";

import { useRef } from "react";
import { proposeOwnerChangeAction } from "@/app/(console)/treasury/owners/actions";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { ErrorSummary, FormMessage } from "@/components/ui/form-message";
import { Input } from "@/components/ui/input";
import { useAction } from "@/components/ui/use-action";
import { codedError } from "./coded-error";

const LABELS = { address: "Address", label: "Label" };
const FIELD_IDS = { address: "owner-address", label: "owner-label" };

/** Admins only (the page decides): proposes adding an owner; owners then sign. The server checks the role again. */
export function AddOwnerForm() {
  const form = useRef<HTMLFormElement>(null);
  const { pending, errors, error, result, data, run } = useAction(proposeOwnerChangeAction, {
    labels: LABELS,
    onSuccess: () => form.current?.reset(),
  });
  return (
    <section aria-labelledby="add-owner-title" className="rounded-lg border border-slate-200 bg-white p-4">
      <h2 id="add-owner-title" className="pb-3 text-lg font-semibold">
        Propose an owner
      </h2>
      {/* noValidate: the server's messages are the one place errors appear. */}
      <form
        ref={form}
        onSubmit={(event) => {
          event.preventDefault();
          run(new FormData(event.currentTarget));
        }}
        noValidate
        className="flex flex-col gap-4 text-sm"
      >
        <input type="hidden" name="action" value="add" />
        <div className="grid grid-cols-1 gap-3 sm:grid-cols-2">
          <Field
            id={FIELD_IDS.address}
            label="Address"
            hint="The owner's wallet, 0x and 40 hex digits (a hardware wallet in production)."
            error={errors.address}
          >
            {(control) => (
              <Input
                {...control}
                name="address"
                required
                autoComplete="off"
                spellCheck={false}
                placeholder="0x…"
                className="font-mono"
              />
            )}
          </Field>
          <Field id={FIELD_IDS.label} label="Label" hint="Optional: whose wallet it is." error={errors.label}>
            {(control) => <Input {...control} name="label" autoComplete="off" maxLength={100} />}
          </Field>
        </div>
        <ErrorSummary errors={errors} ids={FIELD_IDS} />
        <FormMessage
          error={codedError(error, result)}
          success={
            data ? `Proposed (${data.proposalId}): it is added once a quorum of owners signed it below.` : ""
          }
        />
        <div>
          <Button type="submit" size="lg" disabled={pending} className="text-sm">
            {pending ? "Proposing…" : "Propose adding this owner"}
          </Button>
        </div>
      </form>
    </section>
  );
}
