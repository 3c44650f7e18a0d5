"use client";

import { useRouter } from "next/navigation";
import { useEffect, useRef, useState } from "react";
import type { Hash } from "viem";
import { useBlockNumber, useWaitForTransactionReceipt } from "wagmi";
import { recordFundingAction } from "@/app/(console)/treasury/fund/actions";
import { ErrorMessage, SUCCESS_CLASS } from "@/components/ui/form-message";
import { Money } from "@/components/ui/usd";
import { UtcTime } from "@/components/ui/utc-time";
import type { FundingView } from "@/lib/dal/fundings";
import { useWalletSetup } from "./wallet-provider";

/** Refusals that a later block can change: not yet deep enough, or a reorg took the transfer's block. */
const RETRY_AT_NEXT_BLOCK = new Set([
  "funding_unconfirmed",
  "funding_tx_not_found",
  "funding_reorged",
  "chain_unavailable",
]);
const REORG = new Set(["funding_tx_not_found", "funding_reorged"]);

type Recording =
  | { state: "waiting" }
  | { state: "recording" }
  | { state: "retry"; atBlock: bigint; message: string }
  | { state: "recorded"; funding: FundingView; created: boolean }
  | { state: "failed"; message: string };

/**
 * Follows a sent transfer: mined, then each confirmation ("2 of 3 confirmations"), then asks the
 * server to record it. The server re-reads everything on chain; when it says "not yet" or "a reorg
 * replaced the block", this tries again at the next block (and re-follows the receipt after a reorg).
 */
export function FundingProgress({ hash, amountMicro }: { hash: Hash; amountMicro: string }) {
  const setup = useWalletSetup();
  const router = useRouter();
  const required = setup.requiredConfirmations;
  const receipt = useWaitForTransactionReceipt({ hash, chainId: setup.chainId });
  const mined = receipt.data?.status === "success";
  const block = useBlockNumber({ chainId: setup.chainId, watch: mined, query: { enabled: mined } });
  const confirmations =
    mined && receipt.data && block.data !== undefined && block.data >= receipt.data.blockNumber
      ? Number(block.data - receipt.data.blockNumber + 1n)
      : 0;
  const [recording, setRecording] = useState<Recording>({ state: "waiting" });
  const busy = useRef(false);

  useEffect(() => {
    if (!mined || confirmations < required || busy.current) return;
    if (recording.state === "recorded" || recording.state === "failed" || recording.state === "recording")
      return;
    if (recording.state === "retry" && recording.atBlock === block.data) return;
    busy.current = true;
    const atBlock = block.data ?? 0n;
    setRecording({ state: "recording" });
    recordFundingAction({ txHash: hash })
      .then((result) => {
        if (result.ok) {
          setRecording({ state: "recorded", ...result.data });
          router.refresh();
        } else if (RETRY_AT_NEXT_BLOCK.has(result.code)) {
          setRecording({ state: "retry", atBlock, message: result.message });
          if (REORG.has(result.code)) void receipt.refetch();
        } else {
          setRecording({ state: "failed", message: result.message });
        }
      })
      .catch(() =>
        setRecording({
          state: "retry",
          atBlock,
          message: "the console did not answer; trying again at the next block",
        }),
      )
      .finally(() => {
        busy.current = false;
      });
  }, [mined, confirmations, required, recording, block.data, hash, receipt, router]);

  if (receipt.data?.status === "reverted") {
    return (
      <ErrorMessage>
        The transfer reverted on chain (block {receipt.data.blockNumber.toString()}): no USDC moved and
        nothing is recorded.
      </ErrorMessage>
    );
  }
  return (
    <div className="flex flex-col gap-2 text-sm">
      <p>
        Sent <Money micro={amountMicro} />: transaction{" "}
        <span className="break-all font-mono text-xs">{hash}</span>
      </p>
      <p role="status" className="font-medium">
        {!mined
          ? "Waiting for the transfer to be mined…"
          : `${Math.min(confirmations, required)} of ${required} confirmations`}
      </p>
      {recording.state === "recording" ? <p className="text-slate-700">Recording the funding…</p> : null}
      {recording.state === "retry" ? (
        <p className="text-slate-700">
          Not recorded yet: {recording.message}. Trying again at the next block.
        </p>
      ) : null}
      {recording.state === "failed" ? <ErrorMessage>Not recorded: {recording.message}</ErrorMessage> : null}
      {recording.state === "recorded" ? (
        <p className={SUCCESS_CLASS}>
          {recording.created ? "Recorded" : "Already recorded"}:{" "}
          <Money micro={recording.funding.amountMicro} /> from{" "}
          <span className="break-all font-mono text-xs">{recording.funding.from}</span> in block{" "}
          {recording.funding.blockNumber} ({recording.funding.confirmations} confirmations), by{" "}
          {recording.funding.recordedBy} at <UtcTime iso={recording.funding.recordedAt} />.
        </p>
      ) : null}
    </div>
  );
}
