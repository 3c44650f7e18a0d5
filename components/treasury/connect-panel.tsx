"use client";

import { useCallback, useEffect, useState } from "react";
import {
  type Connector,
  useConnect,
  useConnection,
  useConnectors,
  useDisconnect,
  useSwitchChain,
} from "wagmi";
import { Button } from "@/components/ui/button";
import { ErrorMessage } from "@/components/ui/form-message";
import { CONNECTOR_TEXT, connectorChoice } from "./connector-text";
import { isDemoWallet } from "./demo-wallet-connector";
import { chainName } from "./wallet-config";
import { useWalletSetup } from "./wallet-provider";
import type { ConnectorChoice } from "./wallet-session";
import { useHydrated, useStuckAfter, WALLET_STUCK_MS, walletName } from "./wallet-status";

/** A wallet's own words for "the person said no", found by name along the error's causes. */
export function walletRefused(error: unknown): boolean {
  for (let e = error as { name?: string; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    if (e.name === "UserRejectedRequestError") return true;
  }
  return false;
}

/** A connector's button label and what it is, in the console's words. */
function connectorText(connector: { id: string; type: string; name: string }): {
  label: string;
  hint: string;
} {
  const choice = connectorChoice(connector);
  if (choice) return CONNECTOR_TEXT[choice];
  return {
    label: connector.name,
    hint: "A wallet in this browser; a Ledger or Trezor behind it signs on the device.",
  };
}

/** What the wallet is connected for: funding the payer, or an owner approving a key rotation. */
const PURPOSES = {
  fund: {
    connected: "Funding wallet",
    connect: "Connect the funding wallet",
    why: "The wallet that sends USDC to the payer.",
    confirm: "every transfer is then confirmed on the device's screen",
    onChain: "to send USDC there",
  },
  approve: {
    connected: "Owner wallet",
    connect: "Connect a treasury owner's wallet",
    why: "The wallet of a treasury owner, which signs the rotation's approval (it sends nothing).",
    confirm: "the approval is then read and signed on the device's screen",
    onChain: "to sign for it",
  },
  owners: {
    connected: "Owner wallet",
    connect: "Connect a treasury owner's wallet",
    why: "The wallet of a treasury owner, which signs proposed owner changes (it sends nothing).",
    confirm: "each change is then read and signed on the device's screen",
    onChain: "to sign for it",
  },
} as const;

/**
 * The demo wallet's account menu (local chain only): which of its accounts is connected, and so
 * signs. The first is the funding wallet; both are treasury owners in the demo, so one person signs
 * as owner A, switches, and signs as owner B.
 */
function DemoAccountPicker() {
  const setup = useWalletSetup();
  const connection = useConnection();
  const connector = connection.connector;
  if (!isDemoWallet(connector) || setup.mockAccounts.length < 2) return null;
  const current = connection.address?.toLowerCase();
  return (
    <label className="flex flex-col gap-1 text-sm">
      <span className="font-medium">Demo account (the one that signs)</span>
      <select
        className="max-w-full rounded-md border border-slate-300 bg-white px-2 py-1 font-mono text-xs"
        value={setup.mockAccounts.find((a) => a.toLowerCase() === current) ?? ""}
        onChange={(event) => void connector.selectDemoAccount(event.target.value as `0x${string}`)}
      >
        {setup.mockAccounts.map((account, i) => (
          <option key={account} value={account}>
            {`Owner ${String.fromCharCode(65 + i)}: ${account}${i === 0 ? " (funding wallet)" : ""}`}
          </option>
        ))}
      </select>
    </label>
  );
}

/**
 * Connect a wallet, see which one is connected, and switch it to the payer's chain when it is elsewhere.
 * `autoConnect`: the connector the person chose on the placeholder before the wallet code had
 * loaded (wallet-lazy.tsx); the panel connects with it once, through the same path as a click, so
 * a wallet that never answers gets the same message and Retry.
 */
export function ConnectPanel({
  purpose = "fund",
  autoConnect,
  onAutoConnectStarted,
}: {
  purpose?: keyof typeof PURPOSES;
  autoConnect?: ConnectorChoice | null;
  onAutoConnectStarted?: () => void;
}) {
  const text = PURPOSES[purpose];
  const setup = useWalletSetup();
  const connection = useConnection();
  const connectors = useConnectors();
  const connect = useConnect();
  const disconnect = useDisconnect();
  const switchChain = useSwitchChain();
  const hydrated = useHydrated();
  const wanted = chainName(setup, setup.chainId);
  const connected = connection.status === "connected" && Boolean(connection.address);
  const wrongChain = connected && connection.chainId !== setup.chainId;

  // A wallet that stops answering, or reports a switch it did not make (seen with a hardware
  // wallet behind Frame, Rabby or MetaMask), gets a message and a Retry after WALLET_STUCK_MS,
  // not a spinner forever. UI state only: timers reset on each attempt.
  const [switchAttempt, setSwitchAttempt] = useState(0);
  const switchStuck = useStuckAfter(
    wrongChain && (switchChain.isPending || switchChain.isSuccess),
    switchAttempt,
  );
  const [connectAttempt, setConnectAttempt] = useState(0);
  const [connecting, setConnecting] = useState<Connector | null>(null);
  const connectStuck = useStuckAfter(connect.isPending, connectAttempt);
  const [walletChain, setWalletChain] = useState<number | null>(null);
  useEffect(() => {
    if (!connectStuck || !connecting) return;
    let live = true;
    connecting
      .getChainId()
      .then((id) => {
        if (live) setWalletChain(id);
      })
      .catch(() => {});
    return () => {
      live = false;
    };
  }, [connectStuck, connecting]);
  const { reset: resetConnect, mutate: connectWith } = connect;
  const startConnect = useCallback(
    (connector: Connector) => {
      setConnecting(connector);
      setWalletChain(null);
      setConnectAttempt((n) => n + 1);
      resetConnect();
      connectWith({ connector, chainId: setup.chainId });
    },
    [resetConnect, connectWith, setup.chainId],
  );
  useEffect(() => {
    if (!autoConnect) return;
    const connector = connectors.find((c) => connectorChoice(c) === autoConnect);
    if (!connector) return;
    // The choice is cleared as the connection starts, so this runs once per choice.
    onAutoConnectStarted?.();
    startConnect(connector);
  }, [autoConnect, connectors, onAutoConnectStarted, startConnect]);
  const startSwitch = () => {
    setSwitchAttempt((n) => n + 1);
    switchChain.reset();
    switchChain.mutate({ chainId: setup.chainId });
  };
  const waited = `${WALLET_STUCK_MS / 1000} seconds`;

  if (connected && connection.address) {
    return (
      <section
        aria-labelledby="wallet-title"
        className="flex flex-col gap-3 rounded-lg border border-slate-200 p-4"
      >
        <h2 id="wallet-title" className="text-lg font-semibold">
          {text.connected}
        </h2>
        <p className="text-sm">
          Connected with {walletName(connection.connector, connectors, hydrated)}:{" "}
          <span className="break-all font-mono text-xs" data-testid="connected-address">
            {connection.address}
          </span>
        </p>
        <DemoAccountPicker />
        {wrongChain ? (
          <div
            role="alert"
            className="flex flex-col gap-2 rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-950"
          >
            <p>
              Your wallet is on {chainName(setup, connection.chainId)}; the payer wallet is on {wanted} (chain{" "}
              {setup.chainId}). Switch the wallet to {wanted} {text.onChain}.
            </p>
            <div>
              <Button
                variant="caution"
                size="sm"
                disabled={switchChain.isPending && !switchStuck}
                onClick={startSwitch}
              >
                {switchStuck
                  ? "Retry"
                  : switchChain.isPending
                    ? "Confirm in your wallet…"
                    : `Switch to ${wanted}`}
              </Button>
            </div>
            {switchStuck ? (
              <p data-testid="wallet-stuck">
                Your wallet is on {chainName(setup, connection.chainId)} (chain {connection.chainId})
                {switchChain.isSuccess
                  ? " although it reported the switch done"
                  : ` and has not answered the switch for ${waited}`}
                . Switch it to {wanted} (chain {setup.chainId}) in the wallet and press Retry.
              </p>
            ) : null}
            {switchChain.error ? (
              <p>
                {walletRefused(switchChain.error)
                  ? "You declined the switch in your wallet."
                  : `The wallet could not switch: ${switchChain.error.message.split("\n")[0]}`}
              </p>
            ) : null}
          </div>
        ) : null}
        <div>
          <Button variant="secondary" size="sm" onClick={() => disconnect.mutate({})}>
            Disconnect
          </Button>
        </div>
      </section>
    );
  }

  return (
    <section
      aria-labelledby="wallet-title"
      className="flex flex-col gap-3 rounded-lg border border-slate-200 p-4"
    >
      <h2 id="wallet-title" className="text-lg font-semibold">
        {text.connect}
      </h2>
      <p className="text-sm text-slate-700">
        {text.why} A hardware wallet (Ledger, Trezor) is used through a browser wallet: connect the device to
        MetaMask, Rabby or Frame, choose its account there, and choose "Browser wallet" below; {text.confirm}.
        Ledger Live also connects through WalletConnect when it is offered.
      </p>
      <ul className="flex flex-col gap-2">
        {connectors.map((connector) => {
          const { label, hint } = connectorText(connector);
          return (
            <li key={connector.uid} className="flex flex-wrap items-center gap-3">
              <Button
                variant="secondary"
                disabled={connect.isPending && !connectStuck}
                onClick={() => startConnect(connector)}
              >
                {label}
              </Button>
              <span className="text-xs text-slate-600">{hint}</span>
            </li>
          );
        })}
      </ul>
      {connect.isPending && !connectStuck ? (
        <p role="status" className="text-sm text-slate-700">
          Confirm the connection in your wallet…
        </p>
      ) : null}
      {connectStuck ? (
        <div
          role="alert"
          data-testid="wallet-stuck"
          className="flex flex-col gap-2 rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-950"
        >
          <p>
            {walletChain !== null && walletChain !== setup.chainId
              ? `Your wallet is on ${chainName(setup, walletChain)} (chain ${walletChain}) and has not switched to ${wanted}. Switch it to ${wanted} (chain ${setup.chainId}) in the wallet and press Retry.`
              : `Your wallet has not answered for ${waited}. Confirm the request in the wallet (a hardware wallet shows it on its screen), or check that it is on ${wanted} (chain ${setup.chainId}), and press Retry.`}
          </p>
          <div>
            <Button variant="caution" size="sm" onClick={() => connecting && startConnect(connecting)}>
              Retry
            </Button>
          </div>
        </div>
      ) : null}
      {connect.error ? (
        <ErrorMessage>
          {walletRefused(connect.error)
            ? "You declined the connection in your wallet."
            : `Could not connect: ${connect.error.message.split("\n")[0]}`}
        </ErrorMessage>
      ) : null}
    </section>
  );
}
