import { Fact } from "@/components/ui/facts";
import { Price } from "@/components/ui/usd";

/**
 * An `upto` payment's maximum (docs/schemes.md): what was authorized and reserved, and once
 * captured what was charged of it; nothing for an `exact` row.
 */
export function UptoMaximumFact({
  scheme,
  maxAmountMicro,
  amountMicro,
  status,
}: {
  scheme: string;
  maxAmountMicro: string | bigint | null;
  amountMicro: string | bigint;
  status: string;
}) {
  if (scheme !== "upto") return null;
  const charged = BigInt(amountMicro);
  return (
    <Fact label="Maximum authorized">
      {maxAmountMicro === null ? null : (
        <>
          <Price micro={maxAmountMicro} />
          {status === "completed" ? (
            <span className="text-slate-600">
              {" "}
              · charged <Price micro={charged} />,{" "}
              {BigInt(maxAmountMicro) > charged ? "the rest released" : "all of it"}
            </span>
          ) : status === "authorized" ? (
            <span className="text-slate-600"> · reserved until the chain shows what was charged</span>
          ) : null}
        </>
      )}
    </Fact>
  );
}
