"use client";

import { useState } from "react";
import { erc20Abi, type Hash } from "viem";
import { useConnection, useReadContract, useWriteContract } from "wagmi";
import { SubmitRow } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { ErrorMessage, ErrorSummary } from "@/components/ui/form-message";
import { Input } from "@/components/ui/input";
import { Money } from "@/components/ui/usd";
import { checkFundAmount } from "@/lib/payment-core/treasury/fund-amount";
import { walletRefused } from "./connect-panel";
import { FundingProgress } from "./funding-progress";
import { chainName } from "./wallet-config";
import { useWalletSetup } from "./wallet-provider";

const AMOUNT_ID = "fund-amount";

/**
 * An operator sends USDC from the connected wallet to the payer. The amount is checked here
 * first (a positive USDC amount, at most 6 decimals, no more than the wallet holds): a refused
 * amount never reaches the wallet. The transfer is then followed until it is recorded.
 */
export function FundForm({ canFund, role }: { canFund: boolean; role: string }) {
  const setup = useWalletSetup();
  const connection = useConnection();
  const write = useWriteContract();
  const [amountError, setAmountError] = useState<string | null>(null);
  const [walletError, setWalletError] = useState<string | null>(null);
  const [sent, setSent] = useState<{ hash: Hash; amountMicro: string } | null>(null);
  const address = connection.status === "connected" ? connection.address : undefined;
  const onChain = connection.chainId === setup.chainId;
  const usdc = setup.usdcAddress;
  const payer = setup.payerAddress;
  const balance = useReadContract({
    address: usdc ?? undefined,
    abi: erc20Abi,
    functionName: "balanceOf",
    args: address ? [address] : undefined,
    chainId: setup.chainId,
    query: { enabled: Boolean(address && usdc && onChain), refetchInterval: 5_000 },
  });

  if (!canFund) {
    return (
      <p className="rounded-md bg-slate-50 px-3 py-2 text-sm text-slate-800">
        Funding needs the operator role; you are {role}. The fundings recorded so far are listed below.
      </p>
    );
  }
  if (!usdc || !payer) {
    return (
      <ErrorMessage>
        The payer is not configured: set X402_WALLET_ADDRESS and X402_USDC_ADDRESS (or a network with a known
        USDC).
      </ErrorMessage>
    );
  }
  if (!address)
    return <p className="text-sm text-slate-700">Connect the funding wallet above to send USDC.</p>;
  if (!onChain) {
    return (
      <p className="text-sm text-slate-700">
        Switch the wallet to {chainName(setup, setup.chainId)} (above) to send USDC to the payer.
      </p>
    );
  }

  const onSubmit = async (event: React.FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setWalletError(null);
    const raw = String(new FormData(event.currentTarget).get("amount") ?? "");
    const checked = checkFundAmount(raw, balance.data);
    if (!checked.ok) {
      setAmountError(checked.message);
      return;
    }
    setAmountError(null);
    setSent(null);
    try {
      const hash = await write.mutateAsync({
        address: usdc,
        abi: erc20Abi,
        functionName: "transfer",
        args: [payer, checked.micro],
        chainId: setup.chainId,
      });
      setSent({ hash, amountMicro: checked.micro.toString() });
    } catch (error) {
      setWalletError(
        walletRefused(error)
          ? "You rejected the transfer in your wallet: nothing was sent and nothing is recorded."
          : `The wallet did not send the transfer (${(error as Error).message.split("\n")[0]}): nothing is recorded.`,
      );
    }
  };

  const errors: Record<string, string> = amountError ? { amount: amountError } : {};
  return (
    <div className="flex flex-col gap-4">
      <form
        onSubmit={onSubmit}
        noValidate
        aria-labelledby="fund-title"
        className="flex max-w-md flex-col gap-4"
      >
        <h2 id="fund-title" className="text-lg font-semibold">
          Send USDC to the payer
        </h2>
        <Field
          id={AMOUNT_ID}
          label="Amount (USDC)"
          error={amountError ?? undefined}
          hint={
            <>
              The connected wallet holds {balance.data === undefined ? "…" : <Money micro={balance.data} />}.
              It goes to <span className="break-all font-mono">{payer}</span>.
            </>
          }
        >
          {(control) => (
            <Input
              {...control}
              name="amount"
              inputMode="decimal"
              autoComplete="off"
              className="tabular-nums"
            />
          )}
        </Field>
        <ErrorSummary errors={errors} ids={{ amount: AMOUNT_ID }} />
        <SubmitRow pending={write.isPending} label="Send USDC" busyLabel="Confirm in your wallet…" />
        {walletError ? <ErrorMessage>{walletError}</ErrorMessage> : null}
      </form>
      {sent ? <FundingProgress key={sent.hash} hash={sent.hash} amountMicro={sent.amountMicro} /> : null}
    </div>
  );
}
