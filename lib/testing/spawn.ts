import { spawn } from "node:child_process";
import path from "node:path";

/**
 * The one way tests and benchmarks run another program: collects its output and exit status,
 * never leaves it running (killed after `timeoutMs`). No vitest import: the benchmarks use it too.
 */

export interface ProcessResult {
  /** The exit code, or null when a signal ended the process. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** True when the process was killed for running past `timeoutMs`. */
  timedOut: boolean;
}

export interface RunOptions {
  cwd?: string;
  /** The child's whole environment (default: this process's). */
  env?: NodeJS.ProcessEnv;
  /** Kill the child (SIGKILL) after this long; default 120 s, 0 for no limit. */
  timeoutMs?: number;
}

export const repoRoot = path.resolve(import.meta.dirname, "../..");

/** Runs `command` to completion; resolves with its output whatever the exit, rejects if it cannot start. */
export function runProcess(
  command: string,
  args: string[],
  options: RunOptions = {},
): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
    });
    const timeoutMs = options.timeoutMs ?? 120_000;
    const timer =
      timeoutMs > 0
        ? setTimeout(() => {
            timedOut = true;
            child.kill("SIGKILL");
          }, timeoutMs)
        : undefined;
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, timedOut });
    });
  });
}

/** Like runProcess, but anything other than exit code 0 is an error carrying the output. */
export async function runChecked(
  command: string,
  args: string[],
  options: RunOptions = {},
): Promise<ProcessResult> {
  const result = await runProcess(command, args, options);
  if (result.code !== 0) {
    const how = result.timedOut ? "timed out" : `exited with ${result.code ?? result.signal}`;
    throw new Error(`${command} ${args.join(" ")} ${how}\n${result.stdout}\n${result.stderr}`);
  }
  return result;
}

/** Runs the real `x402` binary (scripts/x402.mjs) with Node, from the repository's root. */
export function runX402(args: string[], options: Omit<RunOptions, "cwd"> = {}): Promise<ProcessResult> {
  return runProcess(process.execPath, [path.join(repoRoot, "scripts/x402.mjs"), ...args], {
    ...options,
    cwd: repoRoot,
  });
}
