import { privateKeyToAddress } from "viem/accounts";
import { describe, expect, it } from "vitest";
import { parseEnv } from "./env";

const A = privateKeyToAddress(`0x${"11".repeat(32)}`);
const B = privateKeyToAddress(`0x${"22".repeat(32)}`);
/** The checksummed address with one letter's case flipped: a typo the checksum catches. */
function flipFirstLetter(address: string): string {
  const i = address.slice(2).search(/[a-fA-F]/) + 2;
  const c = address[i] as string;
  return (
    address.slice(0, i) + (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase()) + address.slice(i + 1)
  );
}

describe("X402_TREASURY_OWNERS", () => {
  it("is empty unless set: nobody can approve a rotation", () => {
    expect(parseEnv({}).treasuryOwners).toEqual([]);
  });

  it("takes comma-separated addresses (lower-case or checksummed), checksummed and de-duplicated", () => {
    const out = parseEnv({
      X402_TREASURY_OWNERS: ` ${A.toLowerCase()}, ${B} ,${A},`,
    });
    expect(out.treasuryOwners).toEqual([A, B]);
  });

  it.each([
    ["a wrong mixed-case checksum", flipFirstLetter(A)],
    ["a short address", "0x1234"],
    ["a name", "alice"],
  ])("refuses %s, naming the variable", (_name, value) => {
    expect(() => parseEnv({ X402_TREASURY_OWNERS: `${B},${value}` })).toThrow(/X402_TREASURY_OWNERS/);
  });
});

describe("X402_TREASURY_QUORUM", () => {
  it("is unset by default (2 with two owners or more, else 1, decided over the recorded owners)", () => {
    expect(parseEnv({ X402_TREASURY_OWNERS: `${A},${B}` }).treasuryQuorum).toBeUndefined();
    expect(parseEnv({ X402_TREASURY_OWNERS: `${A},${B}`, X402_TREASURY_QUORUM: "2" }).treasuryQuorum).toBe(2);
  });

  it("refuses a quorum larger than the owners listed, naming the variable and both figures", () => {
    expect(() => parseEnv({ X402_TREASURY_OWNERS: `${A},${B}`, X402_TREASURY_QUORUM: "3" })).toThrow(
      /X402_TREASURY_QUORUM.*is 3, more than the 2 owner/,
    );
  });

  it.each(["0", "two", "-1"])("refuses %s", (value) => {
    expect(() => parseEnv({ X402_TREASURY_OWNERS: A, X402_TREASURY_QUORUM: value })).toThrow(
      /X402_TREASURY_QUORUM/,
    );
  });
});
