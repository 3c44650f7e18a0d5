/**
 * Examples for every command's help (`x402 <command> --help` ends with "Examples:"), keyed by the
 * command's path. lib/cli/help.test.ts walks the program: a command without an entry fails it.
 */
export const EXAMPLES: Readonly<Record<string, readonly string[]>> = {
  "": ["x402 budgets", "x402 ledger list --limit 10", "x402 wallet balance --json"],
  login: [
    "x402 login --email ops@example.com",
    "x402 login --token x402_cli_…",
    'printf %s "$PW" | x402 login --email ops@example.com --password-stdin',
  ],
  logout: ["x402 logout"],
  whoami: ["x402 whoami", "x402 whoami --json"],

  budgets: ["x402 budgets", "x402 budgets --agent builder_agent", "x402 budgets --json"],
  "budgets fleet": [
    'x402 budgets fleet set --daily 200 --monthly 4000 --reason "Q4 fleet ceiling"',
    'x402 budgets fleet clear --reason "ceiling lifted"',
  ],
  "budgets fleet set": [
    'x402 budgets fleet set --daily 200 --monthly 4000 --reason "Q4 fleet ceiling"',
    'x402 budgets fleet set --daily 150 --reason "holiday freeze"',
  ],
  "budgets fleet clear": ['x402 budgets fleet clear --reason "ceiling lifted after review"'],
  "budgets vendor": [
    'x402 budgets vendor set api.example.com --daily 20 --reason "new vendor trial"',
    'x402 budgets vendor clear api.example.com --reason "trial over"',
  ],
  "budgets vendor set": [
    'x402 budgets vendor set api.example.com --daily 20 --monthly 300 --reason "new vendor trial"',
    'x402 budgets vendor set api.example.com --agent research_agent --daily 5 --reason "one agent only"',
  ],
  "budgets vendor clear": [
    'x402 budgets vendor clear api.example.com --reason "trial over"',
    'x402 budgets vendor clear api.example.com --agent research_agent --reason "cap no longer needed"',
  ],
  "budgets set": [
    'x402 budgets set builder_agent --daily 50 --reason "launch week"',
    'x402 budgets set research_agent --monthly 900 --per-tx 2.50 --reason "new contract"',
  ],
  "budgets simulate": [
    "x402 budgets simulate --agent builder_agent --daily 50 --days 30",
    "x402 budgets simulate --agent research_agent --daily 20 --monthly 400 --per-tx 1 --days 30 --json",
  ],

  approvals: ["x402 approvals list", "x402 approvals payments --status pending"],
  "approvals payments": [
    "x402 approvals payments",
    "x402 approvals payments --status all --agent builder_agent --json",
  ],
  "approvals approve-payment": ['x402 approvals approve-payment pa_123 --reason "expected vendor invoice"'],
  "approvals deny-payment": ['x402 approvals deny-payment pa_123 --reason "vendor not on the contract"'],
  "approvals list": ["x402 approvals list", "x402 approvals list --status pending --agent research_agent"],
  "approvals approve": ['x402 approvals approve cr_123 --reason "budget review 2026-12"'],
  "approvals reject": ['x402 approvals reject cr_123 --reason "no business case"'],

  ledger: [
    "x402 ledger list --limit 10",
    "x402 ledger get tx_5c0f9d1e2a3b",
    "x402 ledger export --format csv --out ledger.csv",
  ],
  "ledger list": [
    "x402 ledger list --limit 10",
    "x402 ledger list --agent builder_agent --date 2026-12-01",
    "x402 ledger list --status failed --json",
  ],
  "ledger show": ["x402 ledger show tx_5c0f9d1e2a3b", "x402 ledger show tx_5c0f9d1e2a3b --json"],
  "ledger get": ["x402 ledger get tx_5c0f9d1e2a3b", "x402 ledger get tx_5c0f9d1e2a3b --json"],
  "ledger refund": [
    'x402 ledger refund tx_5c0f9d1e2a3b --state requested --reason "vendor returned 500"',
    'x402 ledger refund tx_5c0f9d1e2a3b --state received --note "credited 2026-12-03" --reason "vendor refunded"',
  ],
  "ledger daily-total": [
    "x402 ledger daily-total 2026-12-01",
    "x402 ledger daily-total 2026-12-01 --agent builder_agent --json",
  ],
  "ledger import": [
    'x402 ledger import transactions.jsonl --reason "migrating the old ledger"',
    'x402 ledger import old.jsonl --skip-invalid --reason "partial import"',
  ],
  "ledger export": [
    "x402 ledger export --out transactions.jsonl",
    "x402 ledger export --format csv --date 2026-12-01 --out day.csv",
    "x402 ledger export --agent builder_agent | head -5",
  ],

  "kill-switch": [
    "x402 kill-switch status",
    'x402 kill-switch on --reason "unexpected spend spike"',
    'x402 kill-switch off --reason "vendor fixed, spend normal"',
  ],

  agents: ["x402 agents list", 'x402 agents pause builder_agent --reason "investigating failures"'],
  "agents list": ["x402 agents list", "x402 agents list --json"],
  "agents add": ['x402 agents add support_agent --name "Support agent" --reason "new support bot"'],
  "agents pause": ['x402 agents pause builder_agent --reason "investigating failures"'],
  "agents resume": ['x402 agents resume builder_agent --reason "vendor fixed"'],
  "agents rotate-key": ['x402 agents rotate-key builder_agent --reason "key seen in a log"'],
  "agents vendors": [
    'x402 agents vendors research_agent --hosts api.example.com,search.example.com --reason "contracted vendors"',
    'x402 agents vendors research_agent --clear --reason "any vendor again"',
  ],
  "agents approval-threshold": [
    'x402 agents approval-threshold builder_agent 25 --reason "hold payments over $25"',
    'x402 agents approval-threshold builder_agent 0 --reason "no holds"',
  ],
  users: ['x402 users add --email ana@example.com --role approver --name "Ana" --reason "new approver"'],
  "users add": [
    'x402 users add --email ana@example.com --role approver --name "Ana" --reason "new approver"',
  ],

  vendors: ["x402 vendors list --sort spend", "x402 vendors show api.example.com"],
  "vendors list": [
    "x402 vendors list",
    "x402 vendors list --q search --sort spend --limit 20",
    "x402 vendors list --json",
  ],
  "vendors show": ["x402 vendors show api.example.com", "x402 vendors show api.example.com --json"],
  "vendors sync": ['x402 vendors sync --reason "weekly catalog refresh"'],
  "vendors accept-payto": [
    'x402 vendors accept-payto api.example.com 0x1111111111111111111111111111111111111111 --reason "confirmed with the vendor by phone"',
  ],

  pay: [
    "x402 pay 'http://127.0.0.1:4021/search?q=x402' --api http://127.0.0.1:3000 --agent-key \"$X402_AGENT_KEY\"",
    "x402 pay https://api.example.com/report --max 0.50 --json",
  ],
  mcp: ["x402 mcp --api http://127.0.0.1:3000", "X402_AGENT_KEY=… x402 mcp --direct"],

  wallet: ["x402 wallet", "x402 wallet balance", "x402 wallet --json"],
  "wallet balance": ["x402 wallet balance", "x402 wallet balance --json"],

  treasury: ["x402 treasury owners list", "x402 treasury rotate status"],
  "treasury owners": ["x402 treasury owners list", "x402 treasury owners proposals"],
  "treasury owners list": ["x402 treasury owners list", "x402 treasury owners list --json"],
  "treasury owners proposals": ["x402 treasury owners proposals", "x402 treasury owners proposals --json"],
  "treasury owners propose-add": [
    'x402 treasury owners propose-add --address 0x2222222222222222222222222222222222222222 --label "CFO Ledger" --reason "second signer"',
  ],
  "treasury owners propose-remove": [
    'x402 treasury owners propose-remove --address 0x2222222222222222222222222222222222222222 --reason "signer left"',
  ],
  "treasury owners sign": [
    'x402 treasury owners sign --proposal op_1 --signature 0x… --reason "approved in the ops meeting"',
  ],
  "treasury rotate": [
    "x402 treasury rotate status",
    'x402 treasury rotate register --address 0xNEW --key-ref env:NEW_PAYER_KEY --reason "quarterly rotation"',
  ],
  "treasury rotate status": ["x402 treasury rotate status", "x402 treasury rotate status --json"],
  "treasury rotate register": [
    'x402 treasury rotate register --address 0x3333333333333333333333333333333333333333 --key-ref env:NEW_PAYER_KEY --reason "quarterly rotation"',
  ],
  "treasury rotate prove": [
    'x402 treasury rotate prove --reason "new wallet proves its key"',
    'x402 treasury rotate prove --signature 0x… --reason "signed on the hardware wallet"',
  ],
  "treasury rotate approve": ['x402 treasury rotate approve --signature 0x… --reason "owner approval"'],
  "treasury rotate test-payment": [
    'x402 treasury rotate test-payment --agent builder_agent --url http://127.0.0.1:4021/search --reason "new wallet pays"',
  ],
  "treasury rotate sweep": ['x402 treasury rotate sweep --reason "move the balance to the new wallet"'],
  "treasury rotate complete": ['x402 treasury rotate complete --reason "rotation done"'],
  "treasury rotate cancel": ['x402 treasury rotate cancel --reason "wrong address registered"'],

  db: ["x402 db migrate", "x402 db seed-demo --days 30"],
  "db migrate": ["x402 db migrate", "DATABASE_URL=postgres://x402@db:5432/x402 x402 db migrate --json"],
  "db seed-demo": ["x402 db seed-demo", "x402 db seed-demo --days 90"],

  settle: [
    "x402 settle",
    'x402 settle --auto --reason "resolve stale payments"',
    'x402 settle --id tx_5c0f9d1e2a3b --cancel --reason "vendor never settled"',
  ],
  monitor: ["x402 monitor", "x402 monitor --no-evaluate --json"],
  reconcile: [
    "x402 reconcile --dry-run",
    'x402 reconcile --from 2026-12-01 --to 2026-12-06 --reason "weekly check"',
  ],
  audit: ["x402 audit --no-save", 'x402 audit --report-dir /srv/audits --reason "monthly audit"'],
  "audit-log": ["x402 audit-log verify", "x402 audit-log head --json"],
  "audit-log verify": ["x402 audit-log verify", "x402 audit-log verify --anchor 1200:9f2c…"],
  "audit-log head": ["x402 audit-log head", "x402 audit-log head --json"],
  backup: [
    "x402 backup",
    "x402 backup --out /backups/x402-$(date -u +%F).dump",
    "x402 backup --format portable --out x402.jsonl.gz",
  ],
  restore: [
    "x402 restore /backups/x402.dump",
    "x402 restore /backups/x402.dump --force --pre-backup-dir /backups/pre-restore",
  ],
};
