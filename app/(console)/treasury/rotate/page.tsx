import type { Metadata } from "next";
import { RotationFlow } from "@/components/treasury/rotation-flow";
import { RotationHistory } from "@/components/treasury/rotation-history";
import { PageHeader } from "@/components/ui/page-header";
import { requireUser } from "@/lib/auth/session";
import { getRotationPage } from "@/lib/dal/rotation";
import { roleAtLeast } from "@/lib/payment-core/access/users";
import { toWire } from "@/lib/wire";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Rotate the payer key · x402 console" };

/** How old the payer key is, against the quarterly practice. */
function KeyAge({ days }: { days: number | null }) {
  if (days === null) return <p className="text-sm text-slate-700">The payer key's age is not known.</p>;
  const old = days > 90;
  return (
    <p className={`text-sm ${old ? "font-medium text-red-800" : "text-slate-700"}`} data-testid="key-age">
      The payer key is {days} {days === 1 ? "day" : "days"} old
      {old ? ": past the 90 days of a quarterly rotation (alert payer_key_old)." : "; rotate it quarterly."}
    </p>
  );
}

export default async function RotatePage() {
  const user = await requireUser("viewer");
  const view = await getRotationPage();
  return (
    <div className="flex max-w-6xl flex-col gap-6">
      <PageHeader title="Rotate the payer key">
        Replace the wallet the agents pay from, step by step: register the new wallet, prove its key, have a
        treasury owner approve with their wallet, make a test payment, move the USDC, switch. Each step is
        recorded (audit log) and the flow resumes where it stands after a reload. Back to the{" "}
        {/* A document load, not client navigation: each treasury page has its own CSP. */}
        <a href="/treasury" className="text-blue-800 underline underline-offset-2">
          treasury
        </a>
        .
      </PageHeader>
      <KeyAge days={view.status.lastRotationAgeDays} />
      <RotationFlow view={toWire(view)} canAct={roleAtLeast(user.role, "admin")} role={user.role} />
      <section aria-labelledby="rotation-history" className="flex flex-col gap-2">
        <h2 id="rotation-history" className="text-lg font-semibold">
          History
        </h2>
        <RotationHistory rows={toWire(view.status.history)} />
      </section>
    </div>
  );
}
