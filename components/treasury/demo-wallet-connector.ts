import { type Address, getAddress } from "viem";
import type { Connector } from "wagmi";
import { mock } from "wagmi/connectors/mock";

/** Set while the demo wallet is connected, in wagmi's (cookie) storage. */
const CONNECTED_KEY = "mock.connected" as never;
/** The demo account the person picked last, so a reload keeps signing as the same owner. */
const ACCOUNT_KEY = "mock.account" as never;

/** The demo connector's extra: choose which of its accounts is the connected one (the one that signs). */
export interface DemoWalletControls {
  selectDemoAccount(account: Address): Promise<void>;
}

/** A connected connector that is the demo wallet (the mock, with account selection). */
export function isDemoWallet(connector: Connector | undefined): connector is Connector & DemoWalletControls {
  return (
    connector?.type === "mock" &&
    typeof (connector as Partial<DemoWalletControls>).selectDemoAccount === "function"
  );
}

/**
 * wagmi's mock connector for the demo's wallets (local chain only: the funding wallet and the
 * second treasury owner, both accounts anvil unlocks), made to behave as a real wallet does:
 *
 * - It survives a reload: the mock keeps "connected" in memory only, so after a reload it would
 *   never reconnect (and with `defaultConnected` it would connect without being asked). This
 *   remembers the person's choice in wagmi's storage: connect sets it, disconnect clears it, and
 *   reconnecting asks it first.
 * - Its accounts can be switched, as in a wallet's account menu: the chosen account comes first
 *   (wagmi's connected address is the first account), the change is announced to wagmi, and the
 *   choice is kept in storage. The mock reads `accounts` from the array it was given on every
 *   `eth_accounts`, so reordering that array in place is what the mock then reports.
 */
export function demoWallet(accounts: readonly Address[]): ReturnType<typeof mock> {
  const order: Address[] = accounts.map((a) => getAddress(a));
  const inner = mock({
    accounts: order as [Address, ...Address[]],
    features: { defaultConnected: true, reconnect: true },
  });
  const putFirst = (account: Address) => {
    const i = order.findIndex((a) => a.toLowerCase() === account.toLowerCase());
    if (i <= 0) return i === 0;
    const [chosen] = order.splice(i, 1);
    order.unshift(chosen as Address);
    return true;
  };
  return ((config: Parameters<typeof inner>[0]) => {
    const connector = inner(config);
    const restoreChoice = async () => {
      const saved = await config.storage?.getItem(ACCOUNT_KEY);
      if (typeof saved === "string") putFirst(saved as Address);
    };
    return {
      ...connector,
      connect: async function (this: unknown, parameters?: Parameters<typeof connector.connect>[0]) {
        await restoreChoice();
        const result = await connector.connect.call(this, parameters);
        await config.storage?.setItem(CONNECTED_KEY, true as never);
        return result;
      } as typeof connector.connect,
      async disconnect(this: unknown) {
        await config.storage?.removeItem(CONNECTED_KEY);
        await connector.disconnect.call(this);
      },
      async isAuthorized(this: unknown) {
        if (!(await config.storage?.getItem(CONNECTED_KEY))) return false;
        await restoreChoice();
        return connector.isAuthorized.call(this);
      },
      async selectDemoAccount(account: Address) {
        if (!putFirst(account)) throw new Error(`${account} is not one of the demo wallet's accounts`);
        await config.storage?.setItem(ACCOUNT_KEY, getAddress(account) as never);
        config.emitter.emit("change", { accounts: [...order] });
      },
    };
  }) as ReturnType<typeof mock>;
}
