import type { Address } from "viem";
import { mock } from "wagmi/connectors/mock";

/** Set while the demo wallet is connected, in wagmi's (cookie) storage. */
const CONNECTED_KEY = "mock.connected" as never;

/**
 * wagmi's mock connector for the demo's funding wallet (local chain only), made to survive a
 * reload as a real wallet does: the mock keeps "connected" in memory only, so after a reload it
 * would never reconnect (and with `defaultConnected` it would connect without being asked). This
 * remembers the person's choice in wagmi's storage: connect sets it, disconnect clears it, and
 * reconnecting asks it first.
 */
export function demoWallet(account: Address): ReturnType<typeof mock> {
  const inner = mock({ accounts: [account], features: { defaultConnected: true, reconnect: true } });
  return ((config: Parameters<typeof inner>[0]) => {
    const connector = inner(config);
    return {
      ...connector,
      connect: async function (this: unknown, parameters?: Parameters<typeof connector.connect>[0]) {
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
        return connector.isAuthorized.call(this);
      },
    };
  }) as ReturnType<typeof mock>;
}
