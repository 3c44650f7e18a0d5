// The compiled `x402` CLI: lib/cli/main.ts bundled by esbuild (installed with tsx) into
// .cache/x402-cli/<key>/, split so that each command's module is a chunk of its own, loaded only
// when that command runs. The key is a hash of every source file the bundle holds (their content,
// as read for the build), of tsconfig.json, of this file and of esbuild's version: a start reads
// those files again and rebuilds when any differs, so the bundle is never stale and a fresh clone
// needs no extra command. Packages stay in node_modules (imported from there, as tsx would).
import { createHash } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const self = fileURLToPath(import.meta.url);

/** @typedef {typeof import("esbuild")} Esbuild */
/** @typedef {import("esbuild").Plugin} Plugin */

/** Where the bundles live, per checkout (gitignored). @param {string} root */
export const cacheDir = (root) => path.join(root, ".cache", "x402-cli");

/**
 * What every key covers besides the bundled sources.
 * @param {string} root
 * @param {string} esbuildVersion
 */
function baseHash(root, esbuildVersion) {
  const hash = createHash("sha256");
  hash.update(`esbuild ${esbuildVersion}\0node ${process.versions.node.split(".")[0]}\0`);
  hash.update(readFileSync(self));
  hash.update(readFileSync(path.join(root, "tsconfig.json")));
  return hash;
}

/**
 * The key of `inputs` (paths relative to root) as they are on disk now; null when one is gone.
 * @param {string} root
 * @param {string} esbuildVersion
 * @param {string[]} inputs
 */
function keyOf(root, esbuildVersion, inputs) {
  const hash = baseHash(root, esbuildVersion);
  for (const input of inputs) {
    let content;
    try {
      content = readFileSync(path.join(root, input));
    } catch {
      return null;
    }
    hash.update(`\0${input}\0`);
    hash.update(createHash("sha256").update(content).digest());
  }
  return hash.digest("hex").slice(0, 24);
}

/**
 * The current bundle's entry when its sources are unchanged, else null.
 * @param {string} root
 * @param {string} esbuildVersion
 */
function freshEntry(root, esbuildVersion) {
  try {
    const manifest = JSON.parse(readFileSync(path.join(cacheDir(root), "current.json"), "utf8"));
    const entry = path.join(cacheDir(root), manifest.key, "main.mjs");
    if (manifest.key !== keyOf(root, esbuildVersion, manifest.inputs) || !existsSync(entry)) return null;
    return entry;
  } catch {
    return null;
  }
}

/**
 * Packages bundled (and tree-shaken) rather than imported from node_modules: viem's index alone
 * takes 300 ms to load and lib/env.ts needs a few of its functions; @x402/* go with it so there is
 * one copy of viem. Every other package stays in node_modules.
 */
const BUNDLED = /^(viem|@x402\/[^/]+|abitype|ox|@noble\/[^/]+|@scure\/[^/]+|drizzle-orm|postgres)(\/|$)/;

/** Bare imports: bundled when BUNDLED says so, else left to node (node_modules, node: builtins). @type {Plugin} */
const packages = {
  name: "x402-packages",
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith("@/") || BUNDLED.test(args.path)) return undefined;
      return { path: args.path, external: true };
    });
  },
};

/** @type {Record<string, import("esbuild").Loader>} */
const LOADERS = { ".ts": "ts", ".tsx": "tsx", ".mts": "ts", ".js": "js", ".mjs": "js", ".json": "json" };

/**
 * Builds the bundle from the sources and makes it the current one; returns its entry.
 * @param {string} root
 * @param {Esbuild} esbuild
 */
async function build(root, esbuild) {
  /** @type {Map<string, Buffer>} */
  const contents = new Map();
  /** Reads each source once (what it holds is what the key covers); import.meta.url stays the source's own. @type {Plugin} */
  const sources = {
    name: "x402-sources",
    setup(b) {
      b.onLoad({ filter: /.*/ }, (args) => {
        if (args.path.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
        const loader = LOADERS[path.extname(args.path)];
        if (!loader) return undefined;
        const buffer = readFileSync(args.path);
        contents.set(path.relative(root, args.path), buffer);
        let text = buffer.toString("utf8");
        if (loader !== "json")
          text = text.replaceAll("import.meta.url", JSON.stringify(pathToFileURL(args.path).href));
        return { contents: text, loader };
      });
    },
  };
  const staging = path.join(cacheDir(root), `.build-${process.pid}-${Date.now()}`);
  await esbuild.build({
    absWorkingDir: root,
    entryPoints: { main: "lib/cli/main.ts" },
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: `node${process.versions.node.split(".")[0]}`,
    outdir: staging,
    outExtension: { ".js": ".mjs" },
    chunkNames: "chunks/[name]-[hash]",
    tsconfig: path.join(root, "tsconfig.json"),
    plugins: [packages, sources],
    logLevel: "silent",
  });
  const inputs = [...contents.keys()].sort();
  const hash = baseHash(root, esbuild.version);
  for (const input of inputs) {
    hash.update(`\0${input}\0`);
    hash.update(
      createHash("sha256")
        .update(/** @type {Buffer} */ (contents.get(input)))
        .digest(),
    );
  }
  const key = hash.digest("hex").slice(0, 24);
  const target = path.join(cacheDir(root), key);
  try {
    renameSync(staging, target);
  } catch {
    // Another start built the same key first: use it.
    rmSync(staging, { recursive: true, force: true });
  }
  const manifest = path.join(cacheDir(root), `.current-${process.pid}.json`);
  writeFileSync(manifest, JSON.stringify({ key, inputs }));
  renameSync(manifest, path.join(cacheDir(root), "current.json"));
  prune(root, key);
  return path.join(target, "main.mjs");
}

/**
 * Drops bundles other than `keep` an hour after they were built (a running CLI may still load their chunks).
 * @param {string} root
 * @param {string} keep
 */
function prune(root, keep) {
  const hourAgo = Date.now() - 3_600_000;
  for (const name of readdirSync(cacheDir(root))) {
    if (name === keep || name === "current.json") continue;
    const dir = path.join(cacheDir(root), name);
    try {
      if (statSync(dir).mtimeMs < hourAgo) rmSync(dir, { recursive: true, force: true });
    } catch {
      // Gone already.
    }
  }
}

/**
 * The compiled CLI's entry (lib/cli/main.ts's exports), built first when missing or stale; null
 * when esbuild cannot be loaded or the build fails (the caller then runs the sources through tsx).
 * @param {string} root
 * @returns {Promise<{ run: (argv: string[]) => Promise<number> } | null>}
 */
export async function compiledCli(root) {
  // esbuild's version from its package.json: a start with a fresh bundle does not load esbuild.
  let version;
  try {
    const require = createRequire(path.join(root, "package.json"));
    version = JSON.parse(readFileSync(require.resolve("esbuild/package.json"), "utf8")).version;
  } catch {
    return null;
  }
  mkdirSync(cacheDir(root), { recursive: true });
  let entry = freshEntry(root, version);
  if (!entry) {
    try {
      entry = await build(root, await import("esbuild"));
    } catch {
      return null;
    }
  }
  return import(pathToFileURL(entry).href);
}
