import { resolveOpenTransactions } from "../settlement/resolver";
import type { LedgerRow } from "./outcome";
import type { PayerDeps } from "./payer-config";

/**
 * The payer's look-up of an idempotency key it has seen: the row as it stands now, an open one
 * first resolved against the chain. Beside payer.ts, which answers the row (or, for a held one,
 * hands it to approval-gate.ts).
 */
export function createReplay(deps: PayerDeps, readRow: (id: string) => Promise<LedgerRow | undefined>) {
  const { engine, config, account } = deps;

  /**
   * One row through the settlement resolver: captured if the chain shows it used, released if
   * proven dead, else left as it is. A chain that does not answer leaves it as it is too.
   */
  async function resolveFromChain(id: string, actor: string): Promise<void> {
    await resolveOpenTransactions(
      {
        db: deps.db,
        engine,
        client: deps.publicClient,
        usdcAddress: config.usdcAddress,
        payerAddress: account.address,
      },
      { ids: [id], staleAfterMs: config.staleAfterMs ?? 300_000, actor },
    ).catch(() => undefined);
  }

  /**
   * The same key again: the current state, never 409 forever. A row still open is first
   * resolved against the chain (captured if the authorization was used, released if it is
   * proven dead), so a retry after a crash or a vendor failure learns what happened. A row held
   * for approval is never the resolver's: nothing was signed for it.
   */
  async function existing(
    agentId: string,
    key: string,
    /** The row under the key as the caller already read it (pre-read.ts); read here when absent. */
    known?: { id: string; status: string } | null,
  ): Promise<LedgerRow | undefined> {
    const found = known === undefined ? await engine.findByKey(agentId, key) : (known ?? undefined);
    if (!found) return undefined;
    if (found.status === "pending" || found.status === "authorized") {
      await resolveFromChain(found.id, "payer:replay");
    }
    return readRow(found.id);
  }

  return { existing, resolveFromChain };
}
