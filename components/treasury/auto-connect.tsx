"use client";

import { useEffect, useRef } from "react";
import { useConnect, useConnectors } from "wagmi";
import { ErrorMessage } from "@/components/ui/form-message";
import { walletRefused } from "./connect-panel";
import { useWalletSetup } from "./wallet-provider";
import type { ConnectorChoice } from "./wallet-session";

/**
 * Connects, once, with the connector the person chose on the placeholder before the wallet code
 * had loaded (so one click on "Demo wallet" loads the code and connects), and says what happened
 * in the Connect panel's words.
 */
export function AutoConnect({ choice, onDone }: { choice: ConnectorChoice; onDone: () => void }) {
  const setup = useWalletSetup();
  const connectors = useConnectors();
  const connect = useConnect();
  const started = useRef(false);
  useEffect(() => {
    if (started.current) return;
    const connector = connectors.find((c) => (choice === "mock" ? c.type === "mock" : c.id === choice));
    if (!connector) return;
    started.current = true;
    connect.mutate({ connector, chainId: setup.chainId }, { onSuccess: onDone });
  }, [choice, connectors, connect, setup.chainId, onDone]);
  if (connect.isPending)
    return (
      <p role="status" className="text-sm text-slate-700">
        Confirm the connection in your wallet…
      </p>
    );
  if (connect.error)
    return (
      <ErrorMessage>
        {walletRefused(connect.error)
          ? "You declined the connection in your wallet."
          : `Could not connect: ${connect.error.message.split("\n")[0]}`}
      </ErrorMessage>
    );
  return null;
}
