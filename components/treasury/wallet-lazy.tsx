"use client";

import { type ComponentProps, useEffect } from "react";
import { Button } from "@/components/ui/button";
import type { ConnectPanel as RealConnectPanel } from "./connect-panel";
import { CONNECTOR_TEXT } from "./connector-text";
import type { FundForm as RealFundForm } from "./fund-form";
import type { SignProposalForm as RealSignProposalForm } from "./owners/sign-proposal-form";
import type { ApproveStep as RealApproveStep } from "./rotation-approve";
import { type ConnectorChoice, useWalletSession } from "./wallet-session";

/**
 * The treasury pages' wallet components as the page renders them: a placeholder without wallet
 * code until the person connects (or a wallet connected earlier reconnects), then the real
 * component from the wallet chunk (`wallet-bundle.ts`). The placeholders offer the same
 * connector buttons, so one click chooses the wallet and loads the code.
 */

/** The connectors the wallet config offers (wallet-config.ts), in its order. */
function offeredConnectors(setup: ReturnType<typeof useWalletSession>["setup"]) {
  const offered: ConnectorChoice[] = [];
  if (setup.mockAccounts.length > 0) offered.push("mock");
  offered.push("injected", "coinbaseWalletSDK");
  if (setup.walletConnectProjectId) offered.push("walletConnect");
  return offered.map((choice) => ({ choice, ...CONNECTOR_TEXT[choice] }));
}

function Loading() {
  return (
    <p role="status" className="text-sm text-slate-700">
      Loading the wallet…
    </p>
  );
}

export function ConnectPanel(props: ComponentProps<typeof RealConnectPanel>) {
  const session = useWalletSession();
  const { bundle } = session;
  if (bundle) {
    return (
      <bundle.ConnectPanel
        {...props}
        autoConnect={session.choice}
        onAutoConnectStarted={session.clearChoice}
      />
    );
  }
  const heading =
    (props.purpose ?? "fund") === "fund" ? "Connect the funding wallet" : "Connect a treasury owner's wallet";
  return (
    <section
      aria-labelledby="wallet-title"
      className="flex flex-col gap-3 rounded-lg border border-slate-200 p-4"
    >
      <h2 id="wallet-title" className="text-lg font-semibold">
        {heading}
      </h2>
      <p className="text-sm text-slate-700">
        A hardware wallet (Ledger, Trezor) is used through a browser wallet: connect the device to MetaMask,
        Rabby or Frame, choose its account there, and choose "Browser wallet" below. The wallet code loads
        when you choose.
      </p>
      <ul className="flex flex-col gap-2">
        {offeredConnectors(session.setup).map(({ choice, label, hint }) => (
          <li key={choice} className="flex flex-wrap items-center gap-3">
            <Button variant="secondary" disabled={session.loading} onClick={() => session.activate(choice)}>
              {label}
            </Button>
            <span className="text-xs text-slate-600">{hint}</span>
          </li>
        ))}
      </ul>
      {session.loading ? <Loading /> : null}
    </section>
  );
}

export function FundForm(props: ComponentProps<typeof RealFundForm>) {
  const { bundle } = useWalletSession();
  if (bundle) return <bundle.FundForm {...props} />;
  if (!props.canFund) {
    return (
      <p className="rounded-md bg-slate-50 px-3 py-2 text-sm text-slate-800">
        Funding needs the operator role; you are {props.role}. The fundings recorded so far are listed below.
      </p>
    );
  }
  return <p className="text-sm text-slate-700">Connect the funding wallet above to send USDC.</p>;
}

/** A step that signs with the wallet: its code loads as soon as the step shows (after the page). */
function useLoadOnMount() {
  const session = useWalletSession();
  const { bundle, loading, activate } = session;
  useEffect(() => {
    if (!bundle && !loading) activate();
  }, [bundle, loading, activate]);
  return bundle;
}

export function ApproveStep(props: ComponentProps<typeof RealApproveStep>) {
  const bundle = useLoadOnMount();
  return bundle ? <bundle.ApproveStep {...props} /> : <Loading />;
}

export function SignProposalForm(props: ComponentProps<typeof RealSignProposalForm>) {
  const bundle = useLoadOnMount();
  return bundle ? <bundle.SignProposalForm {...props} /> : <Loading />;
}
