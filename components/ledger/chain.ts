/**
 * How the transaction page names a CAIP-2 network (`eip155:<chain id>`) and where a real
 * network's explorer shows a transaction or an address. The local chain has no explorer.
 */
const NETWORKS: Record<string, { name: string; explorer: string; explorerName: string }> = {
  "8453": { name: "Base", explorer: "https://basescan.org", explorerName: "Basescan" },
  "84532": { name: "Base Sepolia", explorer: "https://sepolia.basescan.org", explorerName: "Basescan" },
};

function chainIdOf(network: string): string | null {
  const match = /^eip155:(\d+)$/.exec(network);
  return match ? (match[1] as string) : null;
}

/** "Base", "Base Sepolia", "Local chain 31337", "Chain 10"; anything else as it is. */
export function networkName(network: string): string {
  const id = chainIdOf(network);
  if (!id) return network;
  const known = NETWORKS[id];
  if (known) return known.name;
  return id === "31337" || id === "1337" ? `Local chain ${id}` : `Chain ${id}`;
}

/** The explorer's page for a transaction hash or an address, on a network that has one. */
export function explorerLink(
  network: string | null,
  kind: "tx" | "address",
  value: string,
): { href: string; name: string } | null {
  const id = network ? chainIdOf(network) : null;
  const known = id ? NETWORKS[id] : undefined;
  if (!known) return null;
  return { href: `${known.explorer}/${kind}/${value}`, name: known.explorerName };
}

/** A `validAfter` of the Unix epoch (0) means the authorization was valid at once. */
export function isEpoch(iso: string | null): boolean {
  return iso !== null && Date.parse(iso) <= 0;
}
