import type { Page } from "@playwright/test";
import { type Address, createPublicClient, createTestClient, erc20Abi, http } from "viem";
import { WALLET_STUCK_MS } from "@/components/treasury/wallet-status";
import { expect, test } from "./fixtures";
import type { E2eState } from "./state";

/*
 * The Fund page against the local chain: the demo's mock wallet (anvil #4, holding local USDC)
 * sends real USDC to the payer; the test mines blocks (never warps time) and reads balances on chain.
 */

function chain(state: E2eState) {
  const transport = http(state.rpcUrl);
  return {
    client: createPublicClient({ transport }),
    test: createTestClient({ mode: "anvil", transport }),
    usdcOf: (owner: string) =>
      createPublicClient({ transport }).readContract({
        address: state.usdcAddress as Address,
        abi: erc20Abi,
        functionName: "balanceOf",
        args: [owner as Address],
      }),
  };
}

/** Console errors (hydration mismatches, CSP refusals) and the wallet's send requests, as they happen. */
function watch(page: Page) {
  const errors: string[] = [];
  const sends: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(m.text());
  });
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("request", (r) => {
    if (r.method() === "POST" && /eth_sendTransaction|eth_sendRawTransaction/.test(r.postData() ?? "")) {
      sends.push(r.url());
    }
  });
  return { errors, sends };
}

async function connectDemoWallet(page: Page, state: E2eState) {
  await page.goto("/treasury/fund");
  await expect(page.getByRole("heading", { level: 1, name: "Fund the payer wallet" })).toBeVisible();
  await page.getByRole("button", { name: "Demo wallet (local chain)" }).click();
  await expect(page.getByTestId("connected-address")).toHaveText(state.funderAddress);
  // The demo connector by the console's name for it, never wagmi's "Mock Connector".
  await expect(page.getByText("Connected with Demo wallet:")).toBeVisible();
  await expect(page.getByText(/Mock Connector/)).toHaveCount(0);
  // The balance has loaded: the amount check needs it.
  await expect(page.getByText(/The connected wallet holds \$[\d,]+\.\d\d/)).toBeVisible();
}

test("an operator funds the payer with 25 USDC from the demo wallet and sees it confirmed and recorded", async ({
  as,
  state,
  sql,
}) => {
  const { client, test: anvil, usdcOf } = chain(state);
  const page = await as("operator");
  const seen = watch(page);
  await connectDemoWallet(page, state);
  // A reload restores the connection from wagmi's cookie, server-rendered as the browser hydrates it.
  await page.reload();
  await expect(page.getByTestId("connected-address")).toHaveText(state.funderAddress);

  const before = await usdcOf(state.payerAddress);
  const nonce = await client.getTransactionCount({ address: state.funderAddress as Address });
  await page.getByLabel("Amount (USDC)").fill("25");
  await page.getByRole("button", { name: "Send USDC" }).click();
  await expect(page.getByText(/^[0-3] of 3 confirmations$/)).toBeVisible();
  await anvil.mine({ blocks: 3 });
  await expect(page.getByText("3 of 3 confirmations")).toBeVisible();
  await expect(page.getByText(/^Recorded: \$25\.00 from/)).toBeVisible({ timeout: 20_000 });

  expect((await usdcOf(state.payerAddress)) - before).toBe(25_000_000n);
  expect(await client.getTransactionCount({ address: state.funderAddress as Address })).toBe(nonce + 1);
  const [row] = await sql<
    { tx_hash: string; amount_micro: string; recorded_by: string; confirmations: number }[]
  >`
    SELECT tx_hash, amount_micro::text, recorded_by, confirmations FROM wallet_fundings ORDER BY id DESC LIMIT 1`;
  expect(row).toMatchObject({ amount_micro: "25000000", recorded_by: "operator@demo.local" });
  expect(row?.confirmations).toBeGreaterThanOrEqual(3);
  const receipt = await client.getTransactionReceipt({ hash: row?.tx_hash as `0x${string}` });
  expect(receipt.from.toLowerCase()).toBe(state.funderAddress.toLowerCase());

  // The list shows it: amount, sender, hash, confirmations, who.
  const listed = page.getByRole("row").filter({ hasText: row?.tx_hash ?? "-" });
  await expect(listed).toContainText("$25.00");
  await expect(listed).toContainText(state.funderAddress.toLowerCase());
  await expect(listed).toContainText("operator@demo.local");
  expect(seen.sends).toHaveLength(1);
  expect(seen.errors).toEqual([]);
});

test("zero, negative, not-a-number, 7 decimals and more than the wallet holds never reach the wallet", async ({
  as,
  state,
}) => {
  const { client } = chain(state);
  const page = await as("operator");
  const seen = watch(page);
  await connectDemoWallet(page, state);
  const nonce = await client.getTransactionCount({ address: state.funderAddress as Address });
  const amount = page.getByLabel("Amount (USDC)");
  for (const [typed, message] of [
    ["0", "Amount: enter more than 0"],
    ["-5", "Amount: enter more than 0 (a negative amount cannot be sent)"],
    ["lots", "Amount: enter a number like 25 or 0.50"],
    ["1.1234567", "Amount: USDC has at most 6 decimal places"],
    ["5000000", "Amount: $5,000,000.00 is more than the connected wallet holds"],
  ] as const) {
    await amount.fill(typed);
    await page.getByRole("button", { name: "Send USDC" }).click();
    await expect(page.locator("#fund-amount-error")).toContainText(message);
    await expect(amount).toHaveAttribute("aria-invalid", "true");
    await expect(page.getByText("1 problem: nothing was saved.")).toBeVisible();
  }
  expect(seen.sends).toEqual([]);
  expect(await client.getTransactionCount({ address: state.funderAddress as Address })).toBe(nonce);
});

test("a viewer sees the fundings but cannot fund", async ({ as }) => {
  const page = await as("viewer", "/treasury/fund");
  await expect(page.getByText("Funding needs the operator role; you are viewer.")).toBeVisible();
  await expect(page.getByRole("button", { name: "Send USDC" })).toHaveCount(0);
  await expect(page.getByRole("heading", { name: "Recent fundings" })).toBeVisible();
});

test("no page's first-load scripts carry wallet code; the Fund page loads it on Connect", async ({ as }) => {
  const page = await as("viewer");
  // A string of wagmi's own (an error class name) that minification keeps.
  const carriesWagmi = async (path: string) => {
    const html = await (await page.request.get(path)).text();
    const scripts = [
      ...html.matchAll(/<script[^>]+src="([^"]+\.js)"/g),
      ...html.matchAll(/<link[^>]+href="([^"]+\.js)"/g),
    ].map((m) => m[1] ?? "");
    expect(scripts.length).toBeGreaterThan(0);
    const found: string[] = [];
    for (const src of scripts) {
      if ((await (await page.request.get(src)).text()).includes("WagmiProviderNotFoundError"))
        found.push(src);
    }
    return found;
  };
  expect(await carriesWagmi("/overview")).toEqual([]);
  expect(await carriesWagmi("/treasury/fund")).toEqual([]);
  // "Connect" (choosing a wallet) fetches the wallet code, after the page.
  const operator = await as("operator");
  const fetched: string[] = [];
  operator.on("response", async (r) => {
    if (r.url().endsWith(".js") && (await r.text().catch(() => "")).includes("WagmiProviderNotFoundError"))
      fetched.push(r.url());
  });
  await operator.goto("/treasury/fund");
  await operator.waitForLoadState("networkidle");
  expect(fetched).toEqual([]);
  await operator.getByRole("button", { name: "Demo wallet (local chain)" }).click();
  await expect(operator.getByTestId("connected-address")).toBeVisible();
  expect(fetched.length).toBeGreaterThan(0);
});

/**
 * A browser wallet (window.ethereum) that forwards reads to the local chain. `chainId` is where it
 * starts: on Base (0x2105) it is what a MetaMask left on another network looks like to the page,
 * and its first switch request fails (as when the wallet's dialog is closed), so the page must
 * prompt. `rejectSends`: the person declines every transaction in the wallet.
 */
function browserWallet({
  rpcUrl,
  account,
  chainId: startChain,
  rejectSends,
  fakeSwitch,
}: {
  rpcUrl: string;
  account: string;
  chainId: string;
  rejectSends?: boolean;
  /** The wallet answers a switch request with success but stays on its chain (and says nothing). */
  fakeSwitch?: boolean;
}) {
  let chainId = startChain;
  let switches = 0;
  const listeners: Record<string, ((arg: unknown) => void)[]> = {};
  const emit = (event: string, arg: unknown) => {
    for (const fn of listeners[event] ?? []) fn(arg);
  };
  // What the person does in the wallet itself: switch its chain (a wallet that does not announce it).
  (window as unknown as { switchWalletChain: (id: string) => void }).switchWalletChain = (id: string) => {
    chainId = id;
  };
  (window as unknown as { ethereum: unknown }).ethereum = {
    isMetaMask: true,
    on: (event: string, fn: (arg: unknown) => void) => {
      listeners[event] = [...(listeners[event] ?? []), fn];
    },
    removeListener: (event: string, fn: (arg: unknown) => void) => {
      listeners[event] = (listeners[event] ?? []).filter((f) => f !== fn);
    },
    async request({ method, params }: { method: string; params?: unknown[] }) {
      if (method === "eth_requestAccounts" || method === "eth_accounts") return [account];
      if (method === "eth_chainId") return chainId;
      if (method === "wallet_requestPermissions" || method === "wallet_getPermissions")
        return [{ parentCapability: "eth_accounts" }];
      if (method === "wallet_switchEthereumChain") {
        if (fakeSwitch) return null;
        switches += 1;
        if (switches === 1) throw Object.assign(new Error("the dialog was closed"), { code: -32603 });
        chainId = ((params ?? [])[0] as { chainId: string }).chainId;
        emit("chainChanged", chainId);
        return null;
      }
      if (rejectSends && method === "eth_sendTransaction")
        throw Object.assign(new Error("User rejected the request."), { code: 4001 });
      const res = await fetch(rpcUrl, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params: params ?? [] }),
      });
      const body = (await res.json()) as { result?: unknown; error?: { message: string; code: number } };
      if (body.error) throw Object.assign(new Error(body.error.message), { code: body.error.code });
      return body.result;
    },
  };
}

test("a browser wallet on another chain gets a clear prompt and a switch button", async ({ as, state }) => {
  const page = await as("operator");
  await page.addInitScript(browserWallet, {
    rpcUrl: state.rpcUrl,
    account: state.funderAddress,
    chainId: "0x2105",
  });
  await page.goto("/treasury/fund");
  await page.getByRole("button", { name: "Browser wallet" }).click();
  await expect(page.getByTestId("connected-address")).toHaveText(state.funderAddress);
  const prompt = page.getByRole("alert").filter({ hasText: "Your wallet is on Base" });
  await expect(prompt).toContainText("the payer wallet is on Local demo chain (chain 31337)");
  // Nothing can be sent from the wrong chain: the form is not offered.
  await expect(page.getByRole("button", { name: "Send USDC" })).toHaveCount(0);
  await prompt.getByRole("button", { name: "Switch to Local demo chain" }).click();
  await expect(prompt).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Send USDC" })).toBeVisible();
  // The injected wallet by its own name, not wagmi's "Injected".
  await expect(page.getByText("Connected with MetaMask:")).toBeVisible();
  await expect(page.getByText(/Connected with Injected/)).toHaveCount(0);
});

test("a wallet that reports a chain switch it did not make gets a message and a Retry, not a spinner", async ({
  as,
  state,
}) => {
  const page = await as("operator");
  await page.addInitScript(browserWallet, {
    rpcUrl: state.rpcUrl,
    account: state.funderAddress,
    chainId: "0x2105",
    fakeSwitch: true,
  });
  // The page's clock is Playwright's: it runs as time does, and jumps when the test says.
  await page.clock.install();
  await page.goto("/treasury/fund");
  await page.getByRole("button", { name: "Browser wallet" }).click();
  await expect(page.getByText("Confirm the connection in your wallet…")).toBeVisible();
  // The page's own wait (UI state, WALLET_STUCK_MS) passes at once: the message replaces the spinner.
  await page.clock.fastForward(WALLET_STUCK_MS);
  const stuck = page.getByTestId("wallet-stuck");
  await expect(stuck).toContainText(
    "Your wallet is on Base (chain 8453) and has not switched to Local demo chain. Switch it to Local demo chain (chain 31337) in the wallet and press Retry.",
  );
  await expect(page.getByText("Confirm the connection in your wallet…")).toHaveCount(0);
  // The person switches in the wallet and retries: connected on the right chain.
  await page.evaluate(() =>
    (window as unknown as { switchWalletChain: (id: string) => void }).switchWalletChain("0x7a69"),
  );
  await stuck.getByRole("button", { name: "Retry" }).click();
  await expect(page.getByTestId("connected-address")).toHaveText(state.funderAddress);
  await expect(page.getByRole("button", { name: "Send USDC" })).toBeVisible();
});

test("a transfer declined in the wallet sends nothing and records nothing", async ({ as, state, sql }) => {
  const { client, usdcOf } = chain(state);
  const page = await as("operator");
  await page.addInitScript(browserWallet, {
    rpcUrl: state.rpcUrl,
    account: state.funderAddress,
    chainId: "0x7a69",
    rejectSends: true,
  });
  await page.goto("/treasury/fund");
  await page.getByRole("button", { name: "Browser wallet" }).click();
  await expect(page.getByText(/The connected wallet holds \$[\d,]+\.\d\d/)).toBeVisible();
  const fundings = async () =>
    (await sql<{ count: number }[]>`SELECT count(*)::int AS count FROM wallet_fundings`)[0]?.count;
  const recorded = await fundings();
  const balance = await usdcOf(state.payerAddress);
  const nonce = await client.getTransactionCount({ address: state.funderAddress as Address });
  await page.getByLabel("Amount (USDC)").fill("5");
  await page.getByRole("button", { name: "Send USDC" }).click();
  await expect(
    page.getByText("You rejected the transfer in your wallet: nothing was sent and nothing is recorded."),
  ).toBeVisible();
  await expect(page.getByText(/of 3 confirmations/)).toHaveCount(0);
  expect(await client.getTransactionCount({ address: state.funderAddress as Address })).toBe(nonce);
  expect(await usdcOf(state.payerAddress)).toBe(balance);
  expect(await fundings()).toBe(recorded);
});
