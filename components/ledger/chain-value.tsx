import type { ReactNode } from "react";
import { EmptyMark } from "@/components/ui/facts";
import { explorerLink } from "./chain";
import { CopyButton } from "./copy-button";

/**
 * A long on-chain value (an address, a transaction hash, a nonce) in full, with a copy button
 * named after `label` and, when `explorer` says what it is and the network has an explorer, a
 * link to it there. The transaction page and the Treasury's payer wallet show values the same way.
 */
export function ChainValue({
  value,
  label,
  network = null,
  explorer,
  before,
  className = "break-all",
}: {
  value: string | null;
  label: string;
  network?: string | null;
  /** What the explorer shows for it; without, no link (a nonce has no explorer page). */
  explorer?: "tx" | "address";
  /** Shown before the value (the transaction page's "USDC" for an asset address). */
  before?: ReactNode;
  className?: string;
}) {
  if (!value) return <EmptyMark />;
  const link = explorer ? explorerLink(network, explorer, value) : null;
  return (
    <>
      {before}
      <span className={className}>{value}</span>
      <CopyButton value={value} label={label} />
      {link ? (
        <a
          href={link.href}
          target="_blank"
          rel="noreferrer"
          className="ml-2 font-sans text-xs text-blue-800 underline underline-offset-2"
        >
          View on {link.name}
          <span className="sr-only"> (opens in a new tab)</span>
        </a>
      ) : null}
    </>
  );
}
