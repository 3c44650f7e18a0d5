import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { Fact, Facts } from "@/components/ui/facts";
import { RecordPage, Section } from "@/components/ui/page-header";
import { StatusBadge } from "@/components/ui/status-badge";
import {
  AgentLink,
  DataTable,
  EmptyList,
  RowHeader,
  Td,
  TimeCell,
  TransactionLink,
} from "@/components/ui/table";
import { Money, Price } from "@/components/ui/usd";
import { UtcTime } from "@/components/ui/utc-time";
import { VendorCapsPanel } from "@/components/vendor-caps-panel";
import { AcceptPayToForm } from "@/components/vendors/accept-payto-form";
import { PinBadge } from "@/components/vendors/pin";
import { requireUser } from "@/lib/auth/session";
import { getVendorDetail, type VendorDetailView } from "@/lib/dal/vendors";
import { roleAtLeast } from "@/lib/payment-core/access/users";
import { recordSegment, segmentTitle } from "@/lib/url/segment";

type Params = { params: Promise<{ host: string }> };

export const dynamic = "force-dynamic";

export async function generateMetadata({ params }: Params): Promise<Metadata> {
  const { host } = await params;
  return { title: `${segmentTitle(host)} · Vendors · x402 console` };
}

const SOURCE_TEXT = { discovery: "the facilitator's discovery list", "402": "a 402 the payer read" } as const;

/** An amount, or a dash named for screen readers. */
function Amount({ micro, none }: { micro: string | null; none: string }) {
  return micro === null ? (
    <span className="text-slate-500" role="img" aria-label={none}>
      —
    </span>
  ) : (
    <Price micro={micro} />
  );
}

export default async function VendorPage({ params }: Params) {
  const { host: raw } = await params;
  const user = await requireUser("viewer");
  const host = recordSegment(raw);
  const vendor = await getVendorDetail(host);
  if (!vendor) notFound();
  const canAccept = roleAtLeast(user.role, "operator");
  return (
    <RecordPage
      back={{ href: "/vendors", label: "Vendors" }}
      title={<span className="break-all">{vendor.host}</span>}
      aside={<PinBadge pin={vendor.pin} />}
    >
      {vendor.pin === "changed" ? (
        <div role="alert" className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-900">
          <p className="font-medium">This vendor now asks to be paid at another address.</p>
          <p className="break-all">
            Pinned: <span className="font-mono text-xs">{vendor.acceptedPayTo}</span>; asked or advertised:{" "}
            <span className="font-mono text-xs">{vendor.payTo}</span>. Every payment to it is refused
            (vendor_payto_changed) until an operator accepts an address.
          </p>
        </div>
      ) : null}

      <Facts title="Vendor">
        <Fact label="Description" value={vendor.description} />
        <Fact label="First seen">
          <UtcTime iso={vendor.firstSeen} /> from {SOURCE_TEXT[vendor.source]}
        </Fact>
        <Fact label="Last seen">
          <UtcTime iso={vendor.lastSeen} />
        </Fact>
        <Fact label="In the discovery list">
          {vendor.lastDiscoveredAt ? <UtcTime iso={vendor.lastDiscoveredAt} /> : "never listed"}
        </Fact>
        <Fact label="Last 402 read">
          {vendor.last402At ? <UtcTime iso={vendor.last402At} /> : "never paid through this console"}
        </Fact>
        <Fact label="Spent, last 30 days">
          <Money micro={vendor.spentMicro} /> in{" "}
          {vendor.payments === 1 ? "1 payment" : `${vendor.payments} payments`}
          {vendor.lastPaidAt ? (
            <>
              {" "}
              (last <UtcTime iso={vendor.lastPaidAt} withSeconds={false} />)
            </>
          ) : null}
        </Fact>
      </Facts>

      <PayToSection vendor={vendor} canAccept={canAccept} />

      <VendorCapsPanel vendor={vendor.host} user={user} />

      <ResourcesSection vendor={vendor} />
      <HistorySection vendor={vendor} />
      <AgentsSection vendor={vendor} />
    </RecordPage>
  );
}

function PayToSection({ vendor, canAccept }: { vendor: VendorDetailView; canAccept: boolean }) {
  return (
    <Section title="Payment address (payTo)" className="gap-2">
      <p className="text-sm text-slate-700">
        The payer pays this vendor only at its pinned payTo, set when the catalog first saw it. A 402 asking
        another address is refused before anything is signed and raises a critical alert.
      </p>
      <dl className="divide-y divide-slate-100 rounded-lg border border-slate-200 bg-white px-4">
        <Fact label="Pinned payTo" mono>
          {vendor.acceptedPayTo ?? "not pinned yet (the next 402 that passes the payer's checks pins it)"}
        </Fact>
        <Fact label="Pinned by">
          {vendor.payToAcceptedBy ? (
            <>
              {vendor.payToAcceptedBy === "first_seen:402"
                ? "first sight (a 402)"
                : vendor.payToAcceptedBy === "first_seen:discovery"
                  ? "first sight (the discovery list)"
                  : vendor.payToAcceptedBy}
              {vendor.payToAcceptedAt ? (
                <>
                  , <UtcTime iso={vendor.payToAcceptedAt} />
                </>
              ) : null}
            </>
          ) : null}
        </Fact>
        <Fact label="Latest asked or advertised" value={vendor.payTo} mono />
      </dl>
      {canAccept ? (
        // Always this one form (its success message stays after the page refreshes to the new pin).
        <AcceptPayToForm
          host={vendor.host}
          suggested={vendor.pin === "changed" ? vendor.payTo : vendor.acceptedPayTo}
        />
      ) : (
        <p className="text-sm text-slate-600">Accepting another payTo needs the operator role.</p>
      )}
    </Section>
  );
}

function ResourcesSection({ vendor }: { vendor: VendorDetailView }) {
  return (
    <Section title="Resources" className="gap-2">
      <p className="text-sm text-slate-700">
        Advertised: the discovery list's price (exact) or maximum (upto). Asked: the latest 402. Drift: asked
        against the last price paid; flagged above the advertised price or more than {vendor.priceDriftPct}%
        above the last paid (X402_PRICE_DRIFT_PCT).
      </p>
      {vendor.resources.length === 0 ? (
        <EmptyList>No resources recorded for this vendor.</EmptyList>
      ) : (
        <DataTable
          caption="The vendor's resources with their prices"
          minWidth="min-w-[56rem]"
          columns={[
            "Resource",
            "Scheme",
            { label: "Advertised", align: "right" },
            { label: "Asked", align: "right" },
            { label: "Last paid", align: "right" },
            { label: "Drift", align: "right" },
          ]}
        >
          {vendor.resources.map((r) => (
            <tr key={`${r.method} ${r.url}`}>
              <RowHeader className="max-w-[24rem]">
                <span className="font-mono text-xs break-all">
                  {r.method} {r.url}
                </span>
                {r.description ? <span className="block text-xs text-slate-600">{r.description}</span> : null}
              </RowHeader>
              <Td>
                {r.scheme === "upto" ? "upto (maximum)" : "exact (price)"}
                <span className="block text-xs text-slate-600">{r.network}</span>
              </Td>
              <Td right>
                <Amount micro={r.advertisedMicro} none="Not in the discovery list" />
              </Td>
              <Td right>
                <Amount micro={r.askedMicro} none="No 402 read yet" />
              </Td>
              <Td right>
                <Amount micro={r.lastPaidMicro} none="Never paid" />
                {r.lastPaidId ? (
                  <span className="block">
                    <TransactionLink id={r.lastPaidId} />
                  </span>
                ) : null}
              </Td>
              <Td right>
                {r.driftPct === null ? (
                  <span className="text-slate-500" role="img" aria-label="No drift to show">
                    —
                  </span>
                ) : (
                  `${r.driftPct.startsWith("-") ? "" : "+"}${r.driftPct}%`
                )}
                {r.aboveAdvertisedPct ? (
                  <span className="block text-xs text-red-800">{r.aboveAdvertisedPct}% above advertised</span>
                ) : null}
                {r.flagged ? (
                  <span className="mt-1 block">
                    <StatusBadge kind="vendorPin" status="changed" label="price flagged" />
                  </span>
                ) : null}
              </Td>
            </tr>
          ))}
        </DataTable>
      )}
    </Section>
  );
}

function HistorySection({ vendor }: { vendor: VendorDetailView }) {
  return (
    <Section title="Price history" className="gap-2">
      <p className="text-sm text-slate-700">
        A row each time a source reported another price, scheme or payTo for a resource (newest first).
      </p>
      {vendor.history.length === 0 ? (
        <EmptyList>No price recorded yet.</EmptyList>
      ) : (
        <DataTable
          caption="Price observations, newest first"
          minWidth="min-w-[52rem]"
          columns={["Time", "Resource", "Source", { label: "Amount", align: "right" }, "payTo", "Agent"]}
        >
          {vendor.history.map((h, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: observations have no id on the wire; the order is fixed
            <tr key={i}>
              <TimeCell iso={h.observedAt} />
              <Td className="max-w-[20rem]">
                <span className="font-mono text-xs break-all">
                  {h.method} {h.url}
                </span>
              </Td>
              <Td>{h.source === "402" ? "402" : "discovery"}</Td>
              <Td right>
                <Price micro={h.amountMicro} />
                {h.scheme === "upto" ? <span className="block text-xs text-slate-600">maximum</span> : null}
              </Td>
              <Td>
                <span className="font-mono text-xs break-all">{h.payTo}</span>
              </Td>
              <Td>{h.agentId ? <AgentLink id={h.agentId} /> : null}</Td>
            </tr>
          ))}
        </DataTable>
      )}
    </Section>
  );
}

function AgentsSection({ vendor }: { vendor: VendorDetailView }) {
  return (
    <Section title="Agents that may pay it" className="gap-2">
      <p className="text-sm text-slate-700">
        From each agent's vendor allowlist: an empty host list allows any host; a payee list must hold the
        pinned payTo.
      </p>
      {vendor.agents.length === 0 ? (
        <EmptyList>No agents.</EmptyList>
      ) : (
        <DataTable
          caption="Agents and whether each may pay this vendor"
          columns={["Agent", "May pay", "Why"]}
        >
          {vendor.agents.map((a) => (
            <tr key={a.agentId}>
              <RowHeader>
                <AgentLink id={a.agentId}>{a.name}</AgentLink>
                {a.status === "paused" ? <span className="block text-xs text-slate-600">paused</span> : null}
              </RowHeader>
              <Td>
                <StatusBadge
                  kind="check"
                  status={a.mayPay ? "pass" : "fail"}
                  label={a.mayPay ? "yes" : "no"}
                />
              </Td>
              <Td>
                {!a.hostAllowed
                  ? "host not on its allowlist"
                  : !a.payeeAllowed
                    ? "pinned payTo not on its payee list"
                    : a.anyHost
                      ? "any host allowed"
                      : "host on its allowlist"}
              </Td>
            </tr>
          ))}
        </DataTable>
      )}
    </Section>
  );
}
