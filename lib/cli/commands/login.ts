import os from "node:os";
import type { Command } from "commander";
import {
  authenticateCliToken,
  createCliToken,
  revokeCliTokenByValue,
} from "@/lib/payment-core/access/cli-tokens";
import {
  createSignInThrottle,
  signInWithPassword,
  throttledMessage,
} from "@/lib/payment-core/access/sign-in";
import type { User } from "@/lib/payment-core/access/users";
import { deleteTokenFile, readTokenFile, signedInUser, tokenFile, writeTokenFile } from "../auth";
import { CliFailure, type CommandKit, EXIT, type Io, withDb } from "../context";

/** Reads the password: one line of stdin, or typed at a terminal without echo. */
async function readPassword(io: Io): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) {
    const chunks: Buffer[] = [];
    for await (const chunk of stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString("utf8").split(/\r?\n/)[0] ?? "";
  }
  io.stderr("Password: ");
  stdin.setRawMode(true);
  stdin.resume();
  stdin.setEncoding("utf8");
  try {
    return await new Promise<string>((resolve, reject) => {
      let typed = "";
      const onData = (text: string) => {
        for (const ch of text) {
          if (ch === "\r" || ch === "\n") {
            stdin.off("data", onData);
            return resolve(typed);
          }
          if (ch === "\u0003") {
            stdin.off("data", onData);
            return reject(new CliFailure("cancelled", "cancelled", {}, EXIT.failed));
          }
          if (ch === "\u007f" || ch === "\b") typed = typed.slice(0, -1);
          else typed += ch;
        }
      };
      stdin.on("data", onData);
    });
  } finally {
    stdin.setRawMode(false);
    stdin.pause();
    io.stderr("\n");
  }
}

const userJson = (u: User) => ({ id: u.id, email: u.email, name: u.name, role: u.role });

/**
 * `x402 login`, `x402 logout`, `x402 whoami`: the CLI signs in as a console user with a personal
 * token (lib/cli/auth.ts). The password never travels as a flag value (it would show in `ps` and
 * the shell's history): X402_LOGIN_PASSWORD, --password-stdin, or a prompt without echo.
 */
export function registerLogin(program: Command, { sub, print, io }: CommandKit & { io: Io }): void {
  sub(program, "login")
    .description(
      "sign in as a console user: a personal token is saved for this OS user (mode 0600) and used by every command that changes state",
    )
    .option(
      "--email <email>",
      "your console email (the password: prompt, --password-stdin or X402_LOGIN_PASSWORD)",
    )
    .option("--password-stdin", "read the password from standard input (one line)")
    .option(
      "--token <token>",
      "a personal token made on the console's CLI tokens page (/settings/tokens), instead of email and password",
    )
    .option(
      "--name <name>",
      "what the token is for, shown on the CLI tokens page",
      `x402 login on ${os.hostname()}`,
    )
    .action(
      async (
        opts: { email?: string; passwordStdin?: boolean; token?: string; name: string },
        cmd: Command,
      ) => {
        if (Boolean(opts.email) === Boolean(opts.token)) {
          throw new CliFailure("bad_usage", "give --email (and a password) or --token", {}, EXIT.usage);
        }
        await withDb(async ({ db, env: config }) => {
          let user: User;
          let token: string;
          let expiresAt: string;
          if (opts.token) {
            const signedIn = await authenticateCliToken(db, opts.token.trim());
            user = signedIn.user;
            token = opts.token.trim();
            expiresAt = signedIn.token.expiresAt;
          } else {
            const password = opts.passwordStdin
              ? await readPassword({ ...io, stderr: () => {} })
              : (config.cli.loginPassword ?? (process.stdin.isTTY ? await readPassword(io) : ""));
            if (!password) {
              throw new CliFailure(
                "password_required",
                "no password: type it at the prompt, or pass it on standard input with --password-stdin, or in X402_LOGIN_PASSWORD",
                {},
                EXIT.usage,
              );
            }
            // The console's throttle, counted under this host as the client address.
            const throttle = createSignInThrottle(db, config.signIn);
            const result = await signInWithPassword(db, throttle, {
              email: opts.email ?? "",
              password,
              ip: `cli:${os.hostname()}`,
            });
            if (!result.ok && result.code === "throttled") {
              throw new CliFailure("throttled", throttledMessage(result.retryAfterSeconds), {
                retryAfterSeconds: result.retryAfterSeconds,
              });
            }
            if (!result.ok) throw new CliFailure("invalid_credentials", "wrong email or password");
            user = result.user;
            const made = await createCliToken(db, {
              userId: user.id,
              name: opts.name,
              ttlDays: config.cli.tokenTtlDays,
              actor: user,
            });
            token = made.token;
            expiresAt = made.record.expiresAt;
          }
          const file = writeTokenFile(config, token);
          print(
            cmd,
            { user: userJson(user), token_file: file, expires_at: expiresAt },
            () => `Signed in as ${user.email} (${user.role}) until ${expiresAt}. Token saved in ${file}.\n`,
          );
        });
      },
    );

  sub(program, "logout")
    .description("revoke this shell's token in the database and delete its file")
    .action(async (_opts: unknown, cmd: Command) =>
      withDb(async ({ db, env: config }) => {
        const token = readTokenFile(config);
        const revoked = token ? await revokeCliTokenByValue(db, token) : null;
        const deleted = deleteTokenFile(config);
        print(
          cmd,
          {
            revoked: revoked ? { id: revoked.id, email: revoked.userEmail } : null,
            token_file_deleted: deleted,
          },
          () =>
            revoked
              ? `Signed out: ${revoked.userEmail}'s token is revoked and ${tokenFile(config)} deleted.\n`
              : deleted
                ? `Token file ${tokenFile(config)} deleted (the database did not know the token).\n`
                : "Not signed in.\n",
        );
      }),
    );

  sub(program, "whoami")
    .description("the console user this shell acts as, and its role")
    .action(async (_opts: unknown, cmd: Command) =>
      withDb(async ({ db, env: config }) => {
        const user = await signedInUser(db, config);
        print(cmd, { user: userJson(user) }, () => `${user.email} (${user.role})\n`);
      }),
    );
}
