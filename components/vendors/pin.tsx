import { StatusBadge } from "@/components/ui/status-badge";
import type { PinState } from "@/lib/payment-core/vendors/read";

const PIN_LABEL: Record<PinState, string> = {
  pinned: "pinned",
  changed: "payTo changed",
  unpinned: "not pinned",
};

/** The vendor's payTo pin in words: pinned, changed (payments refused until accepted), not pinned. */
export function PinBadge({ pin }: { pin: PinState }) {
  return <StatusBadge kind="vendorPin" status={pin} label={PIN_LABEL[pin]} />;
}

/** An address cut to its ends for a table (0x1234…abcd), the whole of it in its accessible name and title. */
export function ShortAddress({ address }: { address: string }) {
  const short = address.length > 14 ? `${address.slice(0, 6)}…${address.slice(-4)}` : address;
  return (
    <span className="font-mono text-xs" title={address}>
      <span aria-hidden>{short}</span>
      <span className="sr-only">{address}</span>
    </span>
  );
}
