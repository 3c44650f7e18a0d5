/**
 * Compiles the vendored canonical Permit2 (Uniswap) and x402UptoPermit2Proxy (x402 Foundation)
 * with solc-js (a dev dependency) and writes their runtime bytecode, with the byte offsets of
 * their immutables, to scripts/localnet/permit2.ts. Starting the local network never needs a
 * compiler; scripts/localnet/permit2-install.ts fills the immutables for the chain and installs
 * both at their canonical addresses with `anvil_setCode`. Sources and licences: SOURCES.md.
 *
 *   npx tsx scripts/localnet/contracts/build-permit2.ts
 *
 * Re-run only after changing the vendored sources, and commit the output.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import solc from "solc";

const here = dirname(fileURLToPath(import.meta.url));
const outPath = join(here, "..", "permit2.ts");

// Import prefixes of the vendored trees (the projects' foundry remappings).
const REMAPPINGS: [prefix: string, folder: string][] = [
  ["solmate/", "permit2/solmate/"],
  ["@openzeppelin/contracts/", "x402/openzeppelin/contracts/"],
];

function resolvePath(path: string): string {
  for (const [prefix, folder] of REMAPPINGS) {
    if (path.startsWith(prefix)) return folder + path.slice(prefix.length);
  }
  return path;
}

function readSource(path: string): string {
  const text = readFileSync(join(here, path), "utf8");
  // Permit2 pins exactly 0.8.17; the checked-in solc-js is a later 0.8.x (see SOURCES.md).
  return text.replace(/pragma solidity 0\.8\.17;/, "pragma solidity ^0.8.17;");
}

function findImports(path: string): { contents: string } | { error: string } {
  const resolved = normalize(resolvePath(path));
  if (!existsSync(join(here, resolved))) return { error: `not vendored: ${path}` };
  return { contents: readSource(resolved) };
}

// Permit2 is published built with via-IR; the proxy with the legacy pipeline (foundry.toml of each).
const builds = [
  {
    file: "permit2/src/Permit2.sol",
    contract: "Permit2",
    settings: { optimizer: { enabled: true, runs: 1_000_000 }, viaIR: true, evmVersion: "paris" },
  },
  {
    file: "x402/src/x402UptoPermit2Proxy.sol",
    contract: "x402UptoPermit2Proxy",
    settings: { optimizer: { enabled: true, runs: 200 }, evmVersion: "paris" },
  },
] as const;

interface AstNode {
  id?: number;
  nodeType?: string;
  name?: string;
  [key: string]: unknown;
}

interface SolcOutput {
  errors?: { severity: string; formattedMessage: string }[];
  sources?: Record<string, { ast: AstNode }>;
  contracts?: Record<
    string,
    Record<
      string,
      {
        evm: {
          deployedBytecode: {
            object: string;
            immutableReferences?: Record<string, { start: number; length: number }[]>;
          };
        };
      }
    >
  >;
}

function collectNames(node: unknown, into: Map<number, string>): void {
  if (Array.isArray(node)) {
    for (const child of node) collectNames(child, into);
    return;
  }
  if (!node || typeof node !== "object") return;
  const n = node as AstNode;
  if (n.nodeType === "VariableDeclaration" && typeof n.id === "number" && typeof n.name === "string") {
    into.set(n.id, n.name);
  }
  for (const value of Object.values(n)) collectNames(value, into);
}

interface Built {
  contract: string;
  runtime: string;
  immutables: Record<string, { start: number; length: number }[]>;
}

function build(target: (typeof builds)[number]): Built {
  const input = {
    language: "Solidity",
    sources: { [target.file]: { content: readSource(target.file) } },
    settings: {
      ...target.settings,
      outputSelection: {
        "*": {
          [target.contract]: ["evm.deployedBytecode.object", "evm.deployedBytecode.immutableReferences"],
          "": ["ast"],
        },
      },
    },
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImports })) as SolcOutput;
  const problems = (output.errors ?? []).filter((e) => e.severity === "error");
  if (problems.length > 0) throw new Error(problems.map((e) => e.formattedMessage).join("\n"));
  const deployed = output.contracts?.[target.file]?.[target.contract]?.evm.deployedBytecode;
  if (!deployed?.object) throw new Error(`solc produced no runtime bytecode for ${target.contract}`);
  const names = new Map<number, string>();
  for (const source of Object.values(output.sources ?? {})) collectNames(source.ast, names);
  const immutables: Built["immutables"] = {};
  for (const [id, refs] of Object.entries(deployed.immutableReferences ?? {})) {
    const name = names.get(Number(id));
    if (!name) throw new Error(`immutable ${id} of ${target.contract} has no name in the AST`);
    immutables[name] = refs;
  }
  return { contract: target.contract, runtime: deployed.object, immutables };
}

const [permit2, proxy] = builds.map(build);
if (!permit2 || !proxy) throw new Error("unreachable");

const literal = (b: Built) =>
  `{\n  runtime: "0x${b.runtime}",\n  immutables: ${JSON.stringify(b.immutables)},\n} as const`;

writeFileSync(
  outPath,
  `// Generated by scripts/localnet/contracts/build-permit2.ts from the sources under scripts/localnet/contracts/
// (solc ${solc.version()}; Permit2 via-IR, optimizer 1,000,000 runs; proxy optimizer 200 runs; evmVersion paris).
// Do not edit: change the sources and re-run the script. Immutables are zero here and
// filled per chain by scripts/localnet/permit2-install.ts (offsets are byte offsets in the runtime code).

/** Uniswap's Permit2 (canonical address 0x000000000022D473030F116dDEE9F6B43aC78BA3). */
export const PERMIT2_BUILD = ${literal(permit2)};

/** The x402 Foundation's x402UptoPermit2Proxy (canonical address 0x4020A4f3b7b90ccA423B9fabCc0CE57C6C240002). */
export const UPTO_PROXY_BUILD = ${literal(proxy)};
`,
);
console.log(
  `wrote ${outPath} (Permit2 ${permit2.runtime.length / 2} bytes, immutables ${Object.keys(permit2.immutables).join(", ")}; ` +
    `proxy ${proxy.runtime.length / 2} bytes, immutables ${Object.keys(proxy.immutables).join(", ")})`,
);
