import { type Command, Option } from "commander";
import { addUser, ROLES } from "@/lib/payment-core/access/users";
import { listAgentPaymentStatuses } from "@/lib/payment-core/agents/payment-status";
import { addAgent, listAgents, rotateAgentKey, setAgentStatus } from "@/lib/payment-core/agents/store";
import { getVendorPolicy, setVendorPolicy, type VendorPolicy } from "@/lib/payment-core/agents/vendor-policy";
import { mutating } from "../auth";
import { CliFailure, type CommandKit, EXIT, withDb } from "../context";
import { table } from "../format";
import { snakeKeys } from "../json";
import { registerApprovalThreshold } from "./payment-approvals";

/** `x402 agents …` (list, add, pause/resume, rotate-key, vendors) and `x402 users add`. */
export function registerAgents(program: Command, { sub, print }: CommandKit): void {
  const agents = sub(program, "agents").description("the agents that pay");
  const agentJson = (a: Awaited<ReturnType<typeof listAgents>>[number]) =>
    snakeKeys(a, ["id", "name", "status", "apiKeyPrefix", "createdAt", "updatedAt"]);
  const keyNotice = (id: string, key: string) =>
    `API key for ${id} (shown once, store it in your secrets manager):\n${key}\n`;

  sub(agents, "list")
    .description("every agent")
    .action(async (_opts: unknown, cmd: Command) =>
      withDb(async ({ db, env }) => {
        const [list, payment] = await Promise.all([listAgents(db), listAgentPaymentStatuses(db, env.budget)]);
        const json = list.map((a) => {
          const p = payment.get(a.id);
          return { ...agentJson(a), payment_status: p?.state ?? null, payment_status_text: p?.label ?? null };
        });
        print(cmd, { agents: json }, () =>
          table(
            ["AGENT", "NAME", "STATUS", "KEY"],
            list.map((a) => [
              a.id,
              a.name,
              // Why it is not paying: "blocked: daily limit reached until 00:00 UTC", "payments disabled".
              payment.get(a.id)?.label ?? a.status,
              a.apiKeyPrefix ? `${a.apiKeyPrefix}…` : "none",
            ]),
          ),
        );
      }),
    );
  mutating(sub(agents, "add"))
    .description("create an agent and its API key")
    .argument("<id>", "slug such as builder_agent")
    .option("--name <name>", "display name")
    .action(async (id: string, opts: { name?: string }, cmd: Command) =>
      withDb(
        async ({ db, actor }) => {
          const { agent, apiKey } = await addAgent(db, { id, name: opts.name, actor });
          print(
            cmd,
            { agent: agentJson(agent), api_key: apiKey },
            () => `Added ${agent.id}.\n${keyNotice(agent.id, apiKey)}`,
          );
        },
        { as: { operation: "agents.add", cmd } },
      ),
    );
  for (const [name, status] of [
    ["pause", "paused"],
    ["resume", "active"],
  ] as const) {
    mutating(
      sub(agents, name)
        .description(
          name === "pause"
            ? "refuse the agent's payments from its next one"
            : "allow the agent's payments again",
        )
        .argument("<id>", "agent id")
        .option("--reason <text>", "why (kept in the audit log)")
        .action(async (id: string, opts: { reason?: string }, cmd: Command) =>
          withDb(
            async ({ db, actor }) => {
              const agent = await setAgentStatus(db, { id, status, actor, reason: opts.reason });
              print(cmd, { agent: agentJson(agent) }, () => `${agent.id} is ${agent.status}.\n`);
            },
            { as: { operation: "agents.set_status", cmd } },
          ),
        ),
    );
  }
  mutating(sub(agents, "rotate-key"))
    .description("replace the agent's API key (the old one stops working)")
    .argument("<id>", "agent id")
    .action(async (id: string, _opts: unknown, cmd: Command) =>
      withDb(
        async ({ db, actor }) => {
          const { agent, apiKey } = await rotateAgentKey(db, { id, actor });
          print(cmd, { agent: agentJson(agent), api_key: apiKey }, () => keyNotice(agent.id, apiKey));
        },
        { as: { operation: "agents.rotate_key", cmd } },
      ),
    );
  const list = (value: string) =>
    value
      .split(",")
      .map((v) => v.trim())
      .filter((v) => v.length > 0);
  const policyText = (id: string, p: VendorPolicy) =>
    `${id} may pay\n  hosts:  ${p.hosts.length ? p.hosts.join(", ") : "any"}\n  payees: ${p.payees.length ? p.payees.join(", ") : "any"}\n`;
  mutating(
    sub(agents, "vendors")
      .description("show or set the hosts and payee addresses the agent may pay (empty: any)")
      .argument("<id>", "agent id")
      .option("--hosts <list>", 'comma-separated host or host:port entries; replaces the list ("" clears it)')
      .option("--payees <list>", 'comma-separated 0x addresses; replaces the list ("" clears it)')
      .option("--clear", "remove both lists (no restriction)")
      .option("--reason <text>", "why (kept in the audit log)")
      .action(
        async (
          id: string,
          opts: { hosts?: string; payees?: string; clear?: boolean; reason?: string },
          cmd: Command,
        ) =>
          withDb(
            async ({ db, actor }) => {
              if (opts.clear && (opts.hosts !== undefined || opts.payees !== undefined)) {
                throw new CliFailure(
                  "bad_usage",
                  "--clear cannot be combined with --hosts or --payees",
                  {},
                  EXIT.usage,
                );
              }
              const changing = opts.clear || opts.hosts !== undefined || opts.payees !== undefined;
              let policy: VendorPolicy | null;
              if (changing) {
                policy = await setVendorPolicy(db, {
                  agentId: id,
                  hosts: opts.clear ? [] : opts.hosts === undefined ? undefined : list(opts.hosts),
                  payees: opts.clear ? [] : opts.payees === undefined ? undefined : list(opts.payees),
                  actor,
                  reason: opts.reason,
                });
              } else {
                policy = await getVendorPolicy(db, id);
                if (!policy) throw new CliFailure("unknown_agent", `no agent named ${id}`, { agentId: id });
              }
              print(
                cmd,
                { agent_id: id, allowed_vendor_hosts: policy.hosts, allowed_payees: policy.payees },
                () => policyText(id, policy),
              );
            },
            opts.clear || opts.hosts !== undefined || opts.payees !== undefined
              ? { as: { operation: "agents.vendor_policy", cmd } }
              : {},
          ),
      ),
  );

  registerApprovalThreshold(agents, { sub, print });

  const users = sub(program, "users").description("console users");
  mutating(sub(users, "add"))
    .description("create a console user")
    .requiredOption("--email <email>", "sign-in email")
    .addOption(new Option("--role <role>", "role").choices([...ROLES]).makeOptionMandatory())
    .option("--name <name>", "display name")
    .option("--password <password>", "at least 12 characters; generated and shown once when omitted")
    .action(async (opts: { email: string; role: string; name?: string; password?: string }, cmd: Command) =>
      withDb(
        async ({ db, actor }) => {
          const { user, password, generated } = await addUser(db, { ...opts, actor });
          print(
            cmd,
            {
              user: {
                id: user.id,
                email: user.email,
                name: user.name,
                role: user.role,
                created_at: user.createdAt,
              },
              password: generated ? password : null,
            },
            () =>
              `Added ${user.email} (${user.role}).${generated ? `\nPassword (shown once): ${password}` : ""}\n`,
          );
        },
        { as: { operation: "users.manage", cmd } },
      ),
    );
}
