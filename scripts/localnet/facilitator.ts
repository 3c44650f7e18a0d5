import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { x402Facilitator } from "@x402/core/facilitator";
import type { PaymentPayload, PaymentRequirements } from "@x402/core/types";
import { toFacilitatorEvmSigner } from "@x402/evm";
import { ExactEvmScheme } from "@x402/evm/exact/facilitator";
import { UptoEvmScheme } from "@x402/evm/upto/facilitator";
import { Hono } from "hono";
import { type Address, createWalletClient, type Hex, http, publicActions } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { localChain } from "./chain";
import { DiscoveryCatalog, intParam } from "./discovery";

/**
 * The official x402 facilitator (`x402Facilitator` + the EVM "exact" scheme) behind a small
 * HTTP server speaking what `HTTPFacilitatorClient` from @x402/core sends:
 *   GET  /supported -> SupportedResponse
 *   POST /verify    { x402Version, paymentPayload, paymentRequirements } -> VerifyResponse
 *   POST /settle    { x402Version, paymentPayload, paymentRequirements } -> SettleResponse
 *   GET  /discovery/resources?type=&payTo=&scheme=&network=&limit=&offset=
 *                   -> DiscoveryResourcesResponse (the Bazaar extension's list; discovery.ts)
 * It submits `transferWithAuthorization` and pays the gas from its own account; payers only
 * need USDC. Listens on 127.0.0.1 only.
 */

export interface FacilitatorServer {
  url: string;
  port: number;
  /** The account that submits settlements and pays their gas. */
  address: Address;
  /** The in-process facilitator, for hooks (onBeforeSettle, onSettleFailure, ...). */
  facilitator: x402Facilitator;
  /** What GET /discovery/resources lists: the demo vendors register theirs (index.ts). */
  discovery: DiscoveryCatalog;
  readonly running: boolean;
  /** Closes the listener and every open connection: callers then see "fetch failed". */
  stop(): Promise<void>;
  /** Listens again on the same port (same URL); a no-op when running. */
  restart(): Promise<void>;
}

export interface StartFacilitatorOptions {
  rpcUrl: string;
  chainId: number;
  privateKey: Hex;
  /** Defaults to a free port chosen by the OS. */
  port?: number;
  log?: (line: string) => void;
}

interface FacilitatorRequest {
  paymentPayload?: PaymentPayload;
  paymentRequirements?: PaymentRequirements;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function createFacilitatorApp(
  facilitator: x402Facilitator,
  log?: (line: string) => void,
  discovery: DiscoveryCatalog = new DiscoveryCatalog(),
): Hono {
  const app = new Hono();

  app.get("/supported", (c) => c.json(facilitator.getSupported()));

  app.get("/discovery/resources", (c) =>
    c.json(
      discovery.list({
        type: c.req.query("type"),
        payTo: c.req.query("payTo"),
        scheme: c.req.query("scheme"),
        network: c.req.query("network"),
        limit: intParam(c.req.query("limit")),
        offset: intParam(c.req.query("offset")),
      }),
    ),
  );

  app.post("/verify", async (c) => {
    const body = (await c.req.json().catch(() => ({}))) as FacilitatorRequest;
    if (!body.paymentPayload || !body.paymentRequirements) {
      return c.json({ error: "paymentPayload and paymentRequirements are required" }, 400);
    }
    try {
      return c.json(await facilitator.verify(body.paymentPayload, body.paymentRequirements));
    } catch (error) {
      log?.(`facilitator verify error: ${errorMessage(error)}`);
      return c.json({ error: errorMessage(error) }, 500);
    }
  });

  app.post("/settle", async (c) => {
    const body = (await c.req.json().catch(() => ({}))) as FacilitatorRequest;
    if (!body.paymentPayload || !body.paymentRequirements) {
      return c.json({ error: "paymentPayload and paymentRequirements are required" }, 400);
    }
    try {
      return c.json(await facilitator.settle(body.paymentPayload, body.paymentRequirements));
    } catch (error) {
      const message = errorMessage(error);
      log?.(`facilitator settle error: ${message}`);
      // A hook's abort is a refusal, not a crash: answer it as a failed settlement.
      if (message.startsWith("Settlement aborted: ")) {
        return c.json({
          success: false,
          errorReason: message.slice("Settlement aborted: ".length),
          transaction: "",
          network: body.paymentRequirements.network,
        });
      }
      return c.json({ error: message }, 500);
    }
  });

  return app;
}

export function createLocalFacilitator(options: { rpcUrl: string; chainId: number; privateKey: Hex }) {
  const account = privateKeyToAccount(options.privateKey);
  // pollingInterval: receipts on an instantly-mining local chain are there in milliseconds;
  // viem's default 4 s poll would dominate every settlement. 5 ms, not 50: a receipt not there at
  // the first look (the chain still mining it) waited a whole interval, so a settlement took about
  // 30 or about 75 ms by chance, and benchmarks comparing two payment paths measured that draw.
  const client = createWalletClient({
    account,
    chain: localChain(options.rpcUrl, options.chainId),
    transport: http(options.rpcUrl),
    pollingInterval: 5,
  }).extend(publicActions);

  // Concurrent settlements would read the same pending nonce and all but one fail with "nonce
  // too low". Sends go out one at a time (the receipt waits still overlap), each reading the
  // nonce fresh from the chain. viem's shared `nonceManager` is no fix: it remembers nonces
  // per address and chain id for the whole process, so a second local chain started in the
  // same process (same keys, same id, nonces back at 0) gets stale, too-high nonces.
  let sending: Promise<unknown> = Promise.resolve();
  const oneAtATime = <T>(send: () => Promise<T>): Promise<T> => {
    const sent = sending.then(send);
    sending = sent.catch(() => {});
    return sent;
  };

  const signer = toFacilitatorEvmSigner({
    address: account.address,
    getCode: (args) => client.getCode(args),
    readContract: (args) => client.readContract({ ...args, args: args.args ?? [] }),
    verifyTypedData: (args) => client.verifyTypedData(args as Parameters<typeof client.verifyTypedData>[0]),
    writeContract: (args) => oneAtATime(() => client.writeContract({ ...args, args: args.args })),
    sendTransaction: (args) => oneAtATime(() => client.sendTransaction(args)),
    waitForTransactionReceipt: (args) => client.waitForTransactionReceipt(args),
  });

  // `upto` settles through x402UptoPermit2Proxy and Permit2 (scripts/localnet/permit2-install.ts).
  // The Bazaar extension: /supported lists it, and a verified payment whose payload declares
  // discovery is catalogued (discovery.ts), as a hosted facilitator does.
  const discovery = new DiscoveryCatalog();
  const facilitator = new x402Facilitator()
    .register(`eip155:${options.chainId}`, new ExactEvmScheme(signer))
    .register(`eip155:${options.chainId}`, new UptoEvmScheme(signer))
    .registerExtension({ key: "bazaar" })
    .onAfterVerify(async ({ paymentPayload, requirements }) => {
      discovery.fromPayment(paymentPayload, requirements);
    });
  return { facilitator, address: account.address, discovery };
}

type NodeServer = ReturnType<typeof serve>;

function listen(app: Hono, port: number): Promise<NodeServer> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, hostname: "127.0.0.1", port }, () => resolve(server));
    server.once("error", reject);
  });
}

function close(server: NodeServer): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    // Keep-alive sockets (the vendor's fetch pool) would hold close() open indefinitely.
    if ("closeAllConnections" in server) server.closeAllConnections();
  });
}

export async function startFacilitator(options: StartFacilitatorOptions): Promise<FacilitatorServer> {
  const { facilitator, address, discovery } = createLocalFacilitator(options);
  const app = createFacilitatorApp(facilitator, options.log, discovery);

  let server: NodeServer | undefined = await listen(app, options.port ?? 0);
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  options.log?.(`facilitator ${url} (gas paid by ${address})`);

  // stop() and restart() run one at a time, so overlapping calls never race for the port.
  let queue: Promise<unknown> = Promise.resolve();
  const serialized = (step: () => Promise<void>): Promise<void> => {
    const next = queue.then(step);
    queue = next.catch(() => {});
    return next;
  };

  return {
    url,
    port,
    address,
    facilitator,
    discovery,
    get running() {
      return server !== undefined;
    },
    stop: () =>
      serialized(async () => {
        const current = server;
        server = undefined;
        if (current) await close(current);
      }),
    restart: () =>
      serialized(async () => {
        server ??= await listen(app, port);
      }),
  };
}
