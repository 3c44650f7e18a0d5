import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { type Chain, defineChain, type Hex } from "viem";
import { type PrivateKeyAccount, privateKeyToAccount } from "viem/accounts";
import { freePort } from "@/db/embedded";
import { MULTICALL3_ADDRESS } from "./multicall3";

/**
 * A local EVM chain: anvil from the `@foundry-rs/anvil` npm package, on 127.0.0.1.
 *
 * The chain id defaults to 31337, which no public chain uses, so a payment signed here can
 * never be valid on Base. The keys below are anvil's well-known test keys (mnemonic
 * "test test test test test test test test test test test junk"): public knowledge, for local
 * use only, never for anything holding value.
 */

export const LOCAL_CHAIN_ID = 31337;

const ANVIL_TEST_KEYS = {
  deployer: "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
  facilitator: "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
  payer: "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
  vendor: "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
  // Anvil account #4: the demo's funding wallet, behind the Fund page's mock connector (an
  // account anvil unlocks, so the page's eth_sendTransaction needs no key in the browser).
  funder: "0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a",
  // Anvil account #5: the demo's second treasury owner (the first is the funder), the mock
  // connector's other account, so one person at the demo can sign a quorum of two.
  coOwner: "0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba",
} as const satisfies Record<string, Hex>;

export type DevAccountRole = keyof typeof ANVIL_TEST_KEYS;

/** A viem local account that also carries its hex key (for clients that take a key). */
export type DevAccount = PrivateKeyAccount & { readonly privateKey: Hex };

export interface AnvilNode {
  rpcUrl: string;
  chainId: number;
  /** Anvil accounts 0-5, each funded with 10 000 test ETH. */
  accounts: Record<DevAccountRole, DevAccount>;
  /** The state file anvil loaded at start and dumps on stop; null without one. */
  stateFile: string | null;
  /** True when the chain was loaded from `stateFile` (it existed), false when it started empty. */
  restored: boolean;
  /** Stops anvil; with a state file, after anvil has written it (SIGTERM, then up to STATE_DUMP_GRACE_MS). */
  stop(): Promise<void>;
}

export interface StartAnvilOptions {
  /** Defaults to a free port. */
  port?: number;
  chainId?: number;
  /** Seconds between empty blocks while idle (transactions still mine at once). Default 1; 0 = only on transactions. */
  blockTimeSeconds?: number;
  /**
   * anvil's `--state`: the chain (accounts, contracts, blocks, transactions and their receipts)
   * is loaded from this file when it exists and written to it when anvil stops on SIGTERM, so
   * a restart continues the same chain. Written only on a clean stop: a SIGKILL loses what
   * happened since the last one.
   */
  stateFile?: string;
}

/** A stop waits this long for anvil to write its state file before killing it. */
export const STATE_DUMP_GRACE_MS = 20_000;

export function devAccounts(): Record<DevAccountRole, DevAccount> {
  const entries = Object.entries(ANVIL_TEST_KEYS).map(([role, key]) => [
    role,
    Object.assign(privateKeyToAccount(key), { privateKey: key }),
  ]);
  return Object.fromEntries(entries) as Record<DevAccountRole, DevAccount>;
}

/** A viem chain for the local node; Multicall3 sits at its canonical address once installed. */
export function localChain(rpcUrl: string, chainId = LOCAL_CHAIN_ID): Chain {
  return defineChain({
    id: chainId,
    name: "x402 localnet",
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
    contracts: { multicall3: { address: MULTICALL3_ADDRESS } },
    testnet: true,
  });
}

export function anvilBinaryPath(): string {
  const require = createRequire(import.meta.url);
  let pkg: string;
  try {
    pkg = require.resolve("@foundry-rs/anvil-linux-amd64/package.json");
  } catch {
    throw new Error(
      "anvil binary not found: the optional dependency @foundry-rs/anvil-linux-amd64 is not installed " +
        "(this machine must be linux x64, and npm must not run with --omit=optional)",
    );
  }
  const bin = path.join(path.dirname(pkg), "bin", "anvil");
  if (!existsSync(bin)) throw new Error(`anvil binary missing at ${bin}`);
  return bin;
}

/*
 * Anvil runs under a small sh watchdog: the watchdog reads its stdin, a pipe from this process,
 * and kills anvil when that pipe closes. The pipe closes however this process ends (normal exit,
 * uncaught exception, SIGTERM from a test runner, even SIGKILL), so no anvil outlives its
 * owner. The 'exit' handler below is the fast path for ordinary exits (SIGTERM, not SIGKILL, for
 * an anvil with a state file: it saves the chain after its owner is gone). A SIGTERM to the group
 * leaves sh waiting until anvil itself has exited (with a state file, after writing it), so the
 * child's 'exit' means anvil is gone, not merely its shell.
 */
const WATCHDOG = `
exec 3<&0
"$0" "$@" </dev/null &
child=$!
( read -r _ <&3; kill "$child" 2>/dev/null ) &
watcher=$!
trap 'kill "$child" 2>/dev/null' TERM INT
while :; do
  wait "$child"
  status=$?
  kill -0 "$child" 2>/dev/null || break
done
kill "$watcher" 2>/dev/null
exit "$status"
`;

const live = new Set<ChildProcess>();
/** Watchdogs of anvils with a state file: on exit they get SIGTERM (anvil saves, then ends), not SIGKILL. */
const saving = new WeakSet<ChildProcess>();
let exitHookInstalled = false;

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const child of live) killGroup(child, saving.has(child) ? "SIGTERM" : "SIGKILL");
  });
}

async function rpcChainId(rpcUrl: string): Promise<number | undefined> {
  try {
    const res = await fetch(rpcUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      signal: AbortSignal.timeout(1_000),
    });
    const body = (await res.json()) as { result?: string };
    return body.result ? Number(body.result) : undefined;
  } catch {
    return undefined;
  }
}

async function launch(
  port: number,
  chainId: number,
  blockTime: number,
  stateFile: string | null,
): Promise<AnvilNode> {
  const args = ["--host", "127.0.0.1", "--port", String(port), "--chain-id", String(chainId), "--silent"];
  const restored = stateFile !== null && existsSync(stateFile);
  if (stateFile) {
    mkdirSync(path.dirname(stateFile), { recursive: true });
    args.push("--state", stateFile);
  }
  // Mixed mining: a transaction is mined at once (as before), and an empty block is made every
  // `blockTime` seconds as on a live chain, so chain time follows the wall clock even when idle.
  // The settlement resolver reads "has this authorization expired" from the latest block's time.
  if (blockTime > 0) args.push("--mixed-mining", "--block-time", String(blockTime));
  // detached: the watchdog leads its own process group, so stop() can signal sh, anvil and
  // the watcher together.
  const child = spawn("sh", ["-c", WATCHDOG, anvilBinaryPath(), ...args], {
    detached: true,
    stdio: ["pipe", "ignore", "pipe"],
  });
  live.add(child);
  if (stateFile) saving.add(child);
  installExitHook();

  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4_000);
  });
  const exited = new Promise<number | null>((resolve) => {
    child.once("exit", (code) => {
      live.delete(child);
      resolve(code);
    });
  });
  let hasExited = false;
  void exited.then(() => {
    hasExited = true;
  });

  const rpcUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (hasExited) {
      const hint = restored
        ? ` (it was loading the chain state ${stateFile}: if that file is damaged, move it aside to start a new chain)`
        : "";
      throw new Error(`anvil exited before answering on ${rpcUrl}${hint}: ${stderr.trim()}`);
    }
    const answered = await rpcChainId(rpcUrl);
    if (answered === chainId) break;
    if (answered !== undefined) {
      killGroup(child, "SIGKILL");
      throw new Error(`${rpcUrl} answers chain id ${answered}, expected ${chainId}: another node?`);
    }
    if (Date.now() > deadline) {
      killGroup(child, "SIGKILL");
      throw new Error(`anvil did not answer eth_chainId on ${rpcUrl} within 15 s: ${stderr.trim()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }

  let stopping: Promise<void> | undefined;
  return {
    rpcUrl,
    chainId,
    accounts: devAccounts(),
    stateFile,
    restored,
    stop() {
      stopping ??= (async () => {
        if (hasExited) return;
        killGroup(child, "SIGTERM");
        // anvil writes its state file on SIGTERM: a long chain takes a while to serialise.
        const timer = setTimeout(() => killGroup(child, "SIGKILL"), stateFile ? STATE_DUMP_GRACE_MS : 3_000);
        await exited;
        clearTimeout(timer);
        child.stdin?.destroy();
      })();
      return stopping;
    },
  };
}

export async function startAnvil(options: StartAnvilOptions = {}): Promise<AnvilNode> {
  const chainId = options.chainId ?? LOCAL_CHAIN_ID;
  const blockTime = options.blockTimeSeconds ?? 1;
  const stateFile = options.stateFile ? path.resolve(options.stateFile) : null;
  if (options.port !== undefined) return launch(options.port, chainId, blockTime, stateFile);
  // freePort() closes its probe before anvil binds: another process may take the port in
  // between, so try a few.
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await launch(await freePort(), chainId, blockTime, stateFile);
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}
