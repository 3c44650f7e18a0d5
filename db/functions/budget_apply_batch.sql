-- budget_apply_batch: the source of the function the migrations install.
--
-- To change it: edit this file, then make a new migration that carries the whole statement below
-- (`npx drizzle-kit generate --custom --name <name>` and paste it in). Migrations are never edited
-- once landed, so the latest migration that defines the function is what a database runs;
-- db/functions/budget-apply-batch.test.ts fails while that migration's text differs from this file.

-- One batch of reservations, commits and releases. p_ops is a JSON array; each element is one
-- operation:
--   reserve  {k:"r", id (new), agent, amount, key, daily, monthly, per_tx (the configuration's limits;
--            an approved console limit in budget_policies wins), vendor (a label), host (the URL's
--            host, written to vendor_host: the key of vendor caps; vendor when absent), resource_url, method, asset,
--            network, payer, payee, nonce, valid_after, valid_before (the authorization about to be
--            signed: the row is written `authorized`), metadata, hold (true: written `awaiting_approval`,
--            nothing to sign yet, with its `payment_approvals` row approval_id expiring at
--            approval_expires, both in this commit)}
--   commit   {k:"c", id, amount (settled), tx_hash, capture, completed_at, block_number, latency_ms,
--            retry_count, nonce, valid_after, valid_before, payer, payee, metadata, audit_actor,
--            audit_action, audit_reason}
--   release  {k:"x", id, release_as ("failed" | "cancelled"), error_code, message, and the commit's
--            details}
-- A finish takes `pending`, `authorized` and `awaiting_approval` rows (a held row is released when
-- its approval is denied or expires). Amounts are integers (micro-USDC), as JSON strings. Returns one row per operation, r_ord its
-- position in p_ops (1-based).
--
-- Reservation checks, in order: kill switch (p_payments_disabled or settings.kill_switch), agent
-- exists, agent active, per-transaction max, hard limit, daily then monthly window
-- (spent + reserved + amount <= limit), then the caps of budget_caps that cover it, each
-- spent + reserved + amount <= limit: the vendor's caps for this agent (day, month), the vendor's
-- caps for all agents (day, month), the fleet's (day, month). The batch is decided as its finishes first, then its
-- reservations in their order (a finish never depends on a reservation of its own batch: its row
-- id comes from an earlier answer).
--
-- Locks, in this order: the finished ledger rows by id; then, once every ledger row is written
-- (the slow part: each row goes into every index of `transactions`), the window rows the batch
-- changes, in (agent_id COLLATE "C", period, period_start) order as every other writer of
-- budget_usage takes them, so two batches never deadlock. The contended lock, a hot agent's
-- window, is so held only for the window decisions, their writes and the commit.
--
-- Caps (budget_caps; their running totals in budget_cap_usage, one row per scope and window, like
-- budget_usage): read first of all (EXISTS: nothing more is done when there is none, the fast
-- path), which holds budget_caps' ACCESS SHARE lock to the commit, so a cap being set (ACCESS
-- EXCLUSIVE, lib/payment-core/budgets/caps.ts) waits for the batches in flight and the batches
-- after it see the cap and its totals. Their rows are locked after the ledger rows and before the
-- agent windows, in (vendor COLLATE "C", agent_id COLLATE "C", period, period_start) order: the
-- fleet ('', '') first, then per vendor its all-agents scope (host, '') before its per-agent ones.
-- A reservation creates its window's row when missing (at zero: the cap existed all that window);
-- a finish changes only rows that exist (a scope without a cap has none).
CREATE OR REPLACE FUNCTION budget_apply_batch(
  p_now timestamptz, p_payments_disabled boolean, p_hard_limit bigint, p_ops jsonb)
RETURNS TABLE (r_ord integer, r_ok boolean, r_id text, r_agent text, r_status text, r_amount bigint,
  r_tx_hash text, r_code text, r_message text, r_metadata jsonb, r_replayed boolean)
-- Every statement below is planned once per connection: the plans do not depend on the batch
-- (arrays and jsonb in, index look-ups out), and re-planning them per call cost more than running
-- them (one reservation took 1.4-1.7 ms with the planner's default, 1.1 ms with this).
LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan AS $fn$
DECLARE
  v_day date := (p_now AT TIME ZONE 'UTC')::date;
  v_month date := date_trunc('month', p_now AT TIME ZONE 'UTC')::date;
  v_kill boolean;
  v_agents jsonb;
  v_policies jsonb;
  v_existing jsonb;
  v_r_agents text[]; v_r_keys text[]; v_f_ids text[];
  v_has_caps boolean;
  v_caps jsonb; -- [vendor, agent, period]::text -> limit (text), the caps that may apply
  f_vendor text[]; d_vendor text[] := '{}'; c_vendor text[] := '{}';
  -- the locked cap windows
  k_key text[] := '{}'; k_vendor text[] := '{}'; k_agent text[] := '{}'; k_period text[] := '{}';
  k_start date[] := '{}'; k_spent bigint[] := '{}'; k_reserved bigint[] := '{}'; k_dirty boolean[] := '{}';
  k_pos int[] := '{}'; v_scope text[]; v_cap_limit bigint; v_cap_spent bigint; v_cap_reserved bigint;
  v_cap_vendor text; v_cap_agent text; kw record;
  -- the rows to finish, locked; changed as the batch finishes them
  f_id text[]; f_agent text[]; f_status text[]; f_amount bigint[]; f_tx text[]; f_day date[]; f_month date[];
  -- what the finishes do to windows: agent, day, month, reserved taken off, spent added
  d_agent text[] := '{}'; d_day date[] := '{}'; d_month date[] := '{}'; d_unreserve bigint[] := '{}';
  d_spend bigint[] := '{}';
  -- reservations that passed every check but the windows, in order
  c_ord int[] := '{}'; c_id text[] := '{}'; c_agent text[] := '{}'; c_amount bigint[] := '{}';
  c_status text[] := '{}'; c_daily bigint[] := '{}'; c_monthly bigint[] := '{}';
  -- the locked windows
  w_key text[]; w_agent text[]; w_period text[]; w_start date[]; w_spent bigint[]; w_reserved bigint[];
  w_dirty boolean[];
  -- what the batch writes, by the operation's position in p_ops (1-based)
  i_ord int[] := '{}'; i_status text[] := '{}'; i_code text[] := '{}'; i_msg text[] := '{}'; i_meta jsonb[] := '{}';
  u_ord int[] := '{}'; u_id text[] := '{}'; u_status text[] := '{}'; u_amount bigint[] := '{}';
  u_tx text[] := '{}'; u_extra jsonb[] := '{}';
  a_ord int[] := '{}'; a_id text[] := '{}'; a_before jsonb[] := '{}'; a_after jsonb[] := '{}';
  -- reservations written as reserved that a window refused
  x_id text[] := '{}'; x_code text[] := '{}'; x_msg text[] := '{}'; x_meta jsonb[] := '{}';
  -- held reservations that passed every check: their approvals, written with them
  h_ord int[] := '{}';
  op record;
  prior jsonb;
  v_status text;
  v_limit bigint; v_used bigint; v_code text; v_amount bigint; v_agent text;
  jd int; jm int; j int; u int; ju int;
  v_commit boolean; v_capture boolean; v_same boolean;
  v_spend bigint; v_unreserve bigint; v_new_status text; v_new_amount bigint; v_new_tx text;
BEGIN
  v_has_caps := EXISTS (SELECT 1 FROM budget_caps);
  v_kill := p_payments_disabled OR coalesce(
    (SELECT (s.value->>'enabled')::boolean FROM settings s WHERE s.key = 'kill_switch'), false);

  SELECT array_agg(x.agent) FILTER (WHERE x.k = 'r'), array_agg(x.key) FILTER (WHERE x.k = 'r'),
      array_agg(x.id) FILTER (WHERE x.k <> 'r')
    INTO v_r_agents, v_r_keys, v_f_ids
  FROM jsonb_to_recordset(p_ops) AS x(k text, id text, agent text, key text);

  ---------------------------------------------------------------- finishes (no window lock yet)
  IF v_f_ids IS NOT NULL THEN
    SELECT array_agg(l.id ORDER BY l.id), array_agg(l.agent_id ORDER BY l.id), array_agg(l.status ORDER BY l.id),
        array_agg(l.amount_micro ORDER BY l.id), array_agg(l.tx_hash ORDER BY l.id),
        array_agg(l.day ORDER BY l.id), array_agg(l.month ORDER BY l.id), array_agg(l.vendor ORDER BY l.id)
      INTO f_id, f_agent, f_status, f_amount, f_tx, f_day, f_month, f_vendor
    FROM (
      SELECT t.id, t.agent_id, t.status::text AS status, t.amount_micro, t.tx_hash,
        coalesce(t.vendor_host, t.vendor) AS vendor,
        (t.created_at AT TIME ZONE 'UTC')::date AS day,
        date_trunc('month', t.created_at AT TIME ZONE 'UTC')::date AS month
      FROM transactions t WHERE t.id = ANY(v_f_ids)
      ORDER BY t.id FOR UPDATE) AS l;

    FOR op IN
      SELECT o.n::int AS n, x.*
      FROM jsonb_array_elements(p_ops) WITH ORDINALITY AS o(e, n)
      CROSS JOIN LATERAL jsonb_to_record(o.e) AS x(k text, id text, amount bigint, tx_hash text,
        release_as text, capture boolean, audit_actor text)
      WHERE x.k <> 'r'
      ORDER BY o.n
    LOOP
      r_ord := op.n; r_id := op.id; r_ok := true; r_code := NULL; r_message := NULL; r_metadata := NULL;
      r_replayed := false; r_tx_hash := NULL;
      j := array_position(f_id, op.id);
      IF j IS NULL THEN
        r_ok := false; r_code := 'transaction_not_found'; r_agent := NULL; r_status := NULL; r_amount := NULL;
        RETURN NEXT;
        CONTINUE;
      END IF;
      r_agent := f_agent[j];
      v_commit := op.k = 'c';
      v_capture := v_commit AND coalesce(op.capture, false) AND f_status[j] = 'failed';
      IF f_status[j] NOT IN ('pending', 'authorized', 'awaiting_approval') AND NOT v_capture THEN
        v_same := (v_commit AND f_status[j] = 'completed' AND f_tx[j] IS NOT DISTINCT FROM op.tx_hash
            AND f_amount[j] = op.amount)
          OR (NOT v_commit AND f_status[j] = coalesce(op.release_as, 'failed'));
        r_status := f_status[j]; r_amount := f_amount[j]; r_tx_hash := f_tx[j];
        IF v_same THEN r_replayed := true; ELSE r_ok := false; r_code := 'not_pending'; END IF;
        RETURN NEXT;
        CONTINUE;
      END IF;
      IF v_commit AND coalesce(op.amount, 0) > f_amount[j] THEN
        r_ok := false; r_code := 'amount_exceeds_reservation'; r_status := f_status[j]; r_amount := f_amount[j];
        RETURN NEXT;
        CONTINUE;
      END IF;

      v_spend := CASE WHEN v_commit THEN coalesce(op.amount, 0) ELSE 0 END;
      -- A captured failed row holds no reservation any more: only its spend is added.
      v_unreserve := CASE WHEN v_capture THEN 0 ELSE f_amount[j] END;
      v_new_status := CASE WHEN v_commit THEN 'completed' ELSE coalesce(op.release_as, 'failed') END;
      v_new_amount := CASE WHEN v_commit THEN v_spend ELSE f_amount[j] END;
      v_new_tx := CASE WHEN v_commit THEN op.tx_hash END;
      d_agent := d_agent || f_agent[j]; d_day := d_day || f_day[j]; d_month := d_month || f_month[j];
      d_vendor := d_vendor || f_vendor[j];
      d_unreserve := d_unreserve || v_unreserve; d_spend := d_spend || v_spend;

      u := array_position(u_id, op.id);
      IF u IS NULL THEN
        u_ord := u_ord || op.n; u_id := u_id || op.id; u_status := u_status || v_new_status;
        u_amount := u_amount || v_new_amount; u_tx := u_tx || v_new_tx;
        u_extra := u_extra || CASE WHEN v_commit AND v_spend <> f_amount[j]
          THEN jsonb_build_object('reserved_micro', f_amount[j]::text) ELSE '{}'::jsonb END;
      ELSE
        u_ord[u] := op.n; u_status[u] := v_new_status; u_amount[u] := v_new_amount; u_tx[u] := v_new_tx;
        u_extra[u] := CASE WHEN v_commit AND v_spend <> f_amount[j]
          THEN jsonb_build_object('reserved_micro', f_amount[j]::text) ELSE '{}'::jsonb END;
      END IF;
      IF op.audit_actor IS NOT NULL THEN
        a_ord := a_ord || op.n; a_id := a_id || op.id;
        a_before := a_before || jsonb_build_object('status', f_status[j], 'amount_micro', f_amount[j]::text);
        a_after := a_after || jsonb_build_object('status', v_new_status, 'amount_micro', v_new_amount::text,
          'tx_hash', v_new_tx);
      END IF;
      f_status[j] := v_new_status; f_amount[j] := v_new_amount; f_tx[j] := v_new_tx;
      r_status := v_new_status; r_amount := v_new_amount; r_tx_hash := v_new_tx;
      RETURN NEXT;
    END LOOP;

    IF cardinality(u_ord) > 0 THEN
      UPDATE transactions AS t SET status = d.status::transaction_status, amount_micro = d.amount,
        tx_hash = d.tx,
        error_code = CASE WHEN d.status = 'completed' THEN NULL ELSE coalesce(x.error_code, 'released') END,
        error_message = CASE WHEN d.status = 'completed' THEN NULL ELSE x.message END,
        completed_at = CASE WHEN d.status = 'completed' THEN coalesce(x.completed_at, p_now) END,
        updated_at = p_now, latency_ms = coalesce(x.latency_ms, t.latency_ms),
        retry_count = coalesce(x.retry_count, t.retry_count), nonce = coalesce(x.nonce, t.nonce),
        valid_after = coalesce(x.valid_after, t.valid_after), valid_before = coalesce(x.valid_before, t.valid_before),
        payer = coalesce(x.payer, t.payer), payee = coalesce(x.payee, t.payee),
        block_number = coalesce(x.block_number, t.block_number),
        metadata = t.metadata || coalesce(x.metadata, '{}'::jsonb) || d.extra
      FROM unnest(u_ord, u_id, u_status, u_amount, u_tx, u_extra) AS d(ord, id, status, amount, tx, extra)
      CROSS JOIN LATERAL jsonb_to_record(p_ops->(d.ord - 1)) AS x(error_code text, message text,
        completed_at timestamptz, latency_ms integer, retry_count integer, nonce text, valid_after timestamptz,
        valid_before timestamptz, payer text, payee text, block_number bigint, metadata jsonb)
      WHERE t.id = d.id;
    END IF;

    IF cardinality(a_ord) > 0 THEN
      INSERT INTO audit_log (at, actor, action, target_type, target_id, before, after, reason)
      SELECT p_now, x.audit_actor, x.audit_action, 'transaction', a.id, a.before, a.after, x.audit_reason
      FROM unnest(a_ord, a_id, a_before, a_after) AS a(ord, id, before, after)
      CROSS JOIN LATERAL jsonb_to_record(p_ops->(a.ord - 1)) AS x(audit_actor text, audit_action text,
        audit_reason text);
    END IF;
  END IF;

  ---------------------------------------------------------------- reservations: every check but the windows
  IF v_r_agents IS NOT NULL THEN
    SELECT jsonb_object_agg(a.id, a.status) INTO v_agents FROM agents a WHERE a.id = ANY(v_r_agents);

    SELECT jsonb_object_agg(p.agent_id || ':' || p.kind::text, p.limit_micro::text) INTO v_policies
    FROM budget_policies p WHERE p.agent_id = ANY(v_r_agents);

    SELECT jsonb_object_agg(jsonb_build_array(t.agent_id, t.idempotency_key)::text, jsonb_build_object(
        'id', t.id, 'status', t.status, 'amount', t.amount_micro::text, 'tx_hash', t.tx_hash,
        'code', t.error_code, 'message', t.error_message, 'metadata', t.metadata))
      INTO v_existing
    FROM transactions t
    WHERE (t.agent_id, t.idempotency_key) IN (SELECT * FROM unnest(v_r_agents, v_r_keys));

    FOR op IN
      SELECT o.n::int AS n, x.*
      FROM jsonb_array_elements(p_ops) WITH ORDINALITY AS o(e, n)
      CROSS JOIN LATERAL jsonb_to_record(o.e) AS x(k text, id text, agent text, amount bigint, key text,
        daily bigint, monthly bigint, per_tx bigint, nonce text, hold boolean, vendor text, host text)
      WHERE x.k = 'r'
      ORDER BY o.n
    LOOP
      r_ord := op.n; r_agent := op.agent; r_tx_hash := NULL;
      prior := v_existing->(jsonb_build_array(op.agent, op.key)::text);
      IF prior IS NOT NULL THEN
        r_id := prior->>'id'; r_status := prior->>'status'; r_amount := (prior->>'amount')::bigint;
        r_ok := r_status <> 'rejected'; r_code := prior->>'code'; r_message := prior->>'message';
        r_metadata := prior->'metadata'; r_tx_hash := prior->>'tx_hash'; r_replayed := true;
        RETURN NEXT;
        CONTINUE;
      END IF;

      v_code := NULL; v_limit := NULL;
      v_status := v_agents->>op.agent;
      IF v_kill THEN v_code := 'payments_disabled';
      ELSIF v_status IS NULL THEN v_code := 'unknown_agent';
      ELSIF v_status <> 'active' THEN v_code := 'agent_paused';
      ELSE
        v_limit := coalesce((v_policies->>(op.agent || ':per_transaction'))::bigint, op.per_tx);
        IF op.amount > v_limit THEN
          v_code := 'per_transaction_max_exceeded';
        ELSIF op.amount > p_hard_limit THEN
          v_code := 'hard_limit_exceeded'; v_limit := p_hard_limit;
        END IF;
      END IF;

      i_ord := i_ord || op.n;
      IF v_code IS NULL THEN
        -- Written as reserved now; turned into a refusal below if a window has no room.
        c_ord := c_ord || op.n; c_id := c_id || op.id; c_agent := c_agent || op.agent;
        c_amount := c_amount || op.amount; c_vendor := c_vendor || coalesce(op.host, op.vendor, '');
        c_status := c_status || CASE WHEN coalesce(op.hold, false) THEN 'awaiting_approval'
          WHEN op.nonce IS NULL THEN 'pending' ELSE 'authorized' END;
        c_daily := c_daily || coalesce((v_policies->>(op.agent || ':daily'))::bigint, op.daily);
        c_monthly := c_monthly || coalesce((v_policies->>(op.agent || ':monthly'))::bigint, op.monthly);
        i_status := i_status || CASE WHEN coalesce(op.hold, false) THEN 'awaiting_approval'
          WHEN op.nonce IS NULL THEN 'pending' ELSE 'authorized' END;
        i_code := i_code || NULL::text; i_msg := i_msg || NULL::text; i_meta := i_meta || '{}'::jsonb;
        CONTINUE;
      END IF;
      r_ok := false; r_id := op.id; r_amount := op.amount; r_status := 'rejected'; r_code := v_code;
      r_replayed := false;
      r_message := budget_refusal_message(v_code, op.agent, op.amount, v_limit, NULL);
      r_metadata := jsonb_build_object('refusal', jsonb_strip_nulls(jsonb_build_object(
        'requestedMicro', op.amount::text, 'limitMicro', v_limit::text)));
      i_status := i_status || 'rejected'::text; i_code := i_code || v_code; i_msg := i_msg || r_message;
      i_meta := i_meta || r_metadata;
      RETURN NEXT;
    END LOOP;

    IF cardinality(i_ord) > 0 THEN
      INSERT INTO transactions (id, created_at, updated_at, agent_id, vendor, vendor_host, resource_url, method,
        amount_micro, asset, network, payer, payee, status, nonce, valid_after, valid_before, error_code,
        error_message, idempotency_key, metadata)
      SELECT x.id, p_now, p_now, x.agent, coalesce(x.vendor, ''), x.host, x.resource_url, x.method, x.amount,
        coalesce(x.asset, 'USDC'), x.network, x.payer, x.payee, d.status::transaction_status,
        CASE WHEN d.status = 'authorized' THEN x.nonce END,
        CASE WHEN d.status = 'authorized' THEN x.valid_after END,
        CASE WHEN d.status = 'authorized' THEN x.valid_before END,
        d.code, d.msg, x.key, coalesce(x.metadata, '{}'::jsonb) || d.meta
      FROM unnest(i_ord, i_status, i_code, i_msg, i_meta) AS d(ord, status, code, msg, meta)
      CROSS JOIN LATERAL jsonb_to_record(p_ops->(d.ord - 1)) AS x(id text, agent text, amount bigint, key text,
        vendor text, host text, resource_url text, method text, asset text, network text, payer text, payee text,
        nonce text, valid_after timestamptz, valid_before timestamptz, metadata jsonb);
    END IF;
  END IF;

  ---------------------------------------------------------------- the caps' windows
  IF v_has_caps AND (cardinality(c_ord) > 0 OR cardinality(d_agent) > 0) THEN
    SELECT jsonb_object_agg(jsonb_build_array(c.vendor, c.agent_id, c.period)::text, c.limit_micro::text)
      INTO v_caps
    FROM budget_caps c
    WHERE c.vendor = '' OR c.vendor = ANY(c_vendor || d_vendor);
    -- Every cap window this batch touches, in the one global order: created (a reservation's, in a
    -- scope with a cap for that period) or only locked when it exists (a finish's).
    FOR kw IN
      SELECT q.vendor, q.agent, q.period, q.start, bool_or(q.creates) AS creates
      FROM (
        SELECT s.vendor, s.agent, v.period, v.start, true AS creates
        FROM unnest(c_vendor, c_agent) AS c(vendor, agent)
        CROSS JOIN LATERAL (VALUES ('', ''), (c.vendor, ''), (c.vendor, c.agent)) AS s(vendor, agent)
        CROSS JOIN (VALUES ('day', v_day), ('month', v_month)) AS v(period, start)
        WHERE v_caps ? jsonb_build_array(s.vendor, s.agent, v.period)::text
        UNION ALL
        SELECT s.vendor, s.agent, v.period, v.start, false
        FROM unnest(d_vendor, d_agent, d_day, d_month) AS d(vendor, agent, day, month)
        CROSS JOIN LATERAL (VALUES ('', ''), (d.vendor, ''), (d.vendor, d.agent)) AS s(vendor, agent)
        CROSS JOIN LATERAL (VALUES ('day', d.day), ('month', d.month)) AS v(period, start)
        WHERE v_caps ? jsonb_build_array(s.vendor, s.agent, v.period)::text
      ) AS q
      WHERE q.vendor <> '' OR q.agent = ''
      GROUP BY q.vendor, q.agent, q.period, q.start
      ORDER BY q.vendor COLLATE "C", q.agent COLLATE "C", q.period, q.start
    LOOP
      IF kw.creates THEN
        INSERT INTO budget_cap_usage AS b (vendor, agent_id, period, period_start)
        VALUES (kw.vendor, kw.agent, kw.period::budget_period, kw.start)
        ON CONFLICT (vendor, agent_id, period, period_start) DO UPDATE SET updated_at = EXCLUDED.updated_at
        RETURNING b.spent_micro, b.reserved_micro INTO v_cap_spent, v_cap_reserved;
      ELSE
        SELECT b.spent_micro, b.reserved_micro INTO v_cap_spent, v_cap_reserved
        FROM budget_cap_usage b
        WHERE b.vendor = kw.vendor AND b.agent_id = kw.agent AND b.period = kw.period::budget_period
          AND b.period_start = kw.start
        FOR UPDATE;
        CONTINUE WHEN NOT FOUND;
      END IF;
      k_key := k_key || jsonb_build_array(kw.vendor, kw.agent, kw.period, kw.start)::text;
      k_vendor := k_vendor || kw.vendor; k_agent := k_agent || kw.agent; k_period := k_period || kw.period;
      k_start := k_start || kw.start; k_spent := k_spent || v_cap_spent; k_reserved := k_reserved || v_cap_reserved;
      k_dirty := k_dirty || false;
    END LOOP;

    FOR j IN 1 .. cardinality(d_agent) LOOP
      FOREACH jd IN ARRAY ARRAY[
        array_position(k_key, jsonb_build_array('', '', 'day', d_day[j])::text),
        array_position(k_key, jsonb_build_array('', '', 'month', d_month[j])::text),
        CASE WHEN d_vendor[j] <> '' THEN array_position(k_key, jsonb_build_array(d_vendor[j], '', 'day', d_day[j])::text) END,
        CASE WHEN d_vendor[j] <> '' THEN array_position(k_key, jsonb_build_array(d_vendor[j], '', 'month', d_month[j])::text) END,
        CASE WHEN d_vendor[j] <> '' THEN array_position(k_key, jsonb_build_array(d_vendor[j], d_agent[j], 'day', d_day[j])::text) END,
        CASE WHEN d_vendor[j] <> '' THEN array_position(k_key, jsonb_build_array(d_vendor[j], d_agent[j], 'month', d_month[j])::text) END]
      LOOP
        CONTINUE WHEN jd IS NULL;
        k_reserved[jd] := k_reserved[jd] - d_unreserve[j];
        k_spent[jd] := k_spent[jd] + d_spend[j];
        k_dirty[jd] := true;
      END LOOP;
    END LOOP;
  END IF;

  ---------------------------------------------------------------- the windows
  -- Every window this batch changes, created when missing, locked in the one global order.
  WITH locked AS (
    INSERT INTO budget_usage AS b (agent_id, period, period_start)
    SELECT q.agent_id, q.period, q.start FROM (
      SELECT c.agent AS agent_id, v.period, v.start
      FROM unnest(c_agent) AS c(agent)
      CROSS JOIN (VALUES ('day'::budget_period, v_day), ('month'::budget_period, v_month)) AS v(period, start)
      UNION
      SELECT d.agent, v.period, v.start
      FROM unnest(d_agent, d_day, d_month) AS d(agent, day, month)
      CROSS JOIN LATERAL (VALUES ('day'::budget_period, d.day), ('month'::budget_period, d.month)) AS v(period, start)
    ) AS q
    ORDER BY q.agent_id COLLATE "C", q.period, q.start
    ON CONFLICT (agent_id, period, period_start) DO UPDATE SET updated_at = EXCLUDED.updated_at
    RETURNING b.agent_id, b.period::text AS period, b.period_start, b.spent_micro, b.reserved_micro
  )
  SELECT array_agg(jsonb_build_array(l.agent_id, l.period, l.period_start)::text), array_agg(l.agent_id),
      array_agg(l.period), array_agg(l.period_start), array_agg(l.spent_micro), array_agg(l.reserved_micro),
      array_agg(false)
    INTO w_key, w_agent, w_period, w_start, w_spent, w_reserved, w_dirty
  FROM locked AS l;

  FOR j IN 1 .. cardinality(d_agent) LOOP
    FOREACH jd IN ARRAY ARRAY[
      array_position(w_key, jsonb_build_array(d_agent[j], 'day', d_day[j])::text),
      array_position(w_key, jsonb_build_array(d_agent[j], 'month', d_month[j])::text)]
    LOOP
      w_reserved[jd] := w_reserved[jd] - d_unreserve[j];
      w_spent[jd] := w_spent[jd] + d_spend[j];
      w_dirty[jd] := true;
    END LOOP;
  END LOOP;

  FOR j IN 1 .. cardinality(c_ord) LOOP
    v_agent := c_agent[j]; v_amount := c_amount[j];
    jd := array_position(w_key, jsonb_build_array(v_agent, 'day', v_day)::text);
    jm := array_position(w_key, jsonb_build_array(v_agent, 'month', v_month)::text);
    v_code := NULL;
    v_limit := c_daily[j];
    v_used := w_spent[jd] + w_reserved[jd];
    IF v_used + v_amount > v_limit THEN
      v_code := 'daily_limit_exceeded';
    ELSE
      v_limit := c_monthly[j];
      v_used := w_spent[jm] + w_reserved[jm];
      IF v_used + v_amount > v_limit THEN v_code := 'monthly_limit_exceeded'; END IF;
    END IF;
    -- The caps that cover it, narrowest scope first; k_pos their windows, taken from below if it fits.
    k_pos := '{}'; v_cap_vendor := NULL; v_cap_agent := NULL; v_cap_spent := NULL; v_cap_reserved := NULL;
    IF v_code IS NULL AND v_caps IS NOT NULL THEN
      -- A payment without a vendor host has only the fleet's caps.
      FOREACH v_scope SLICE 1 IN ARRAY CASE WHEN c_vendor[j] = '' THEN ARRAY[['', '', 'day'], ['', '', 'month']]
        ELSE ARRAY[[c_vendor[j], v_agent, 'day'], [c_vendor[j], v_agent, 'month'], [c_vendor[j], '', 'day'],
          [c_vendor[j], '', 'month'], ['', '', 'day'], ['', '', 'month']] END
      LOOP
        v_cap_limit := (v_caps->>jsonb_build_array(v_scope[1], v_scope[2], v_scope[3])::text)::bigint;
        CONTINUE WHEN v_cap_limit IS NULL;
        ju := array_position(k_key, jsonb_build_array(v_scope[1], v_scope[2], v_scope[3],
          CASE v_scope[3] WHEN 'day' THEN v_day ELSE v_month END)::text);
        IF v_amount + k_spent[ju] + k_reserved[ju] > v_cap_limit THEN
          v_code := CASE WHEN v_scope[1] = '' THEN 'fleet_' ELSE 'vendor_' END
            || CASE v_scope[3] WHEN 'day' THEN 'daily' ELSE 'monthly' END || '_limit_exceeded';
          v_limit := v_cap_limit; v_used := k_spent[ju] + k_reserved[ju];
          v_cap_spent := k_spent[ju]; v_cap_reserved := k_reserved[ju];
          v_cap_vendor := nullif(v_scope[1], ''); v_cap_agent := nullif(v_scope[2], '');
          EXIT;
        END IF;
        k_pos := k_pos || ju;
      END LOOP;
    END IF;
    r_ord := c_ord[j]; r_id := c_id[j]; r_agent := v_agent; r_amount := v_amount; r_tx_hash := NULL;
    r_replayed := false;
    IF v_code IS NULL THEN
      w_reserved[jd] := w_reserved[jd] + v_amount; w_dirty[jd] := true;
      w_reserved[jm] := w_reserved[jm] + v_amount; w_dirty[jm] := true;
      FOREACH ju IN ARRAY k_pos LOOP
        k_reserved[ju] := k_reserved[ju] + v_amount; k_dirty[ju] := true;
      END LOOP;
      r_ok := true; r_status := c_status[j]; r_code := NULL; r_message := NULL; r_metadata := NULL;
      IF c_status[j] = 'awaiting_approval' THEN h_ord := h_ord || c_ord[j]; END IF;
    ELSE
      r_ok := false; r_status := 'rejected'; r_code := v_code;
      IF v_code LIKE 'fleet_%' OR v_code LIKE 'vendor_%' THEN
        r_message := x402_dollars(v_amount) || ' would pass the '
          || CASE WHEN v_cap_vendor IS NULL THEN 'fleet''s'
            WHEN v_cap_agent IS NULL THEN 'vendor ' || v_cap_vendor || '''s all-agents'
            ELSE 'vendor ' || v_cap_vendor || '''s ' || v_cap_agent END
          || CASE WHEN v_code LIKE '%daily%' THEN ' daily (UTC day)' ELSE ' monthly (UTC month)' END
          || ' cap of ' || x402_dollars(v_limit) || ': ' || x402_dollars(v_cap_spent) || ' spent, '
          || x402_dollars(v_cap_reserved) || ' reserved, ' || x402_dollars(greatest(v_limit - v_used, 0))
          || ' remaining';
      ELSE
        r_message := budget_refusal_message(v_code, v_agent, v_amount, v_limit, v_used);
      END IF;
      r_metadata := jsonb_build_object('refusal', jsonb_strip_nulls(jsonb_build_object('requestedMicro', v_amount::text,
        'limitMicro', v_limit::text, 'usedMicro', v_used::text,
        'remainingMicro', greatest(v_limit - v_used, 0)::text, 'spentMicro', v_cap_spent::text,
        'reservedMicro', v_cap_reserved::text, 'vendor', v_cap_vendor, 'capAgentId', v_cap_agent,
        'scope', CASE WHEN v_code LIKE 'fleet_%' THEN 'fleet' WHEN v_code LIKE 'vendor_%' THEN
          CASE WHEN v_cap_agent IS NULL THEN 'vendor' ELSE 'vendor_agent' END END)));
      x_id := x_id || r_id; x_code := x_code || v_code; x_msg := x_msg || r_message;
      x_meta := x_meta || r_metadata;
    END IF;
    RETURN NEXT;
  END LOOP;

  IF cardinality(x_id) > 0 THEN
    UPDATE transactions AS t SET status = 'rejected', nonce = NULL, valid_after = NULL, valid_before = NULL,
      error_code = x.code, error_message = x.msg, metadata = t.metadata || x.meta
    FROM unnest(x_id, x_code, x_msg, x_meta) AS x(id, code, msg, meta)
    WHERE t.id = x.id;
  END IF;

  IF cardinality(h_ord) > 0 THEN
    INSERT INTO payment_approvals (id, transaction_id, agent_id, amount_micro, vendor, resource_url, payee,
      status, requested_at, expires_at)
    SELECT x.approval_id, x.id, x.agent, x.amount, coalesce(x.vendor, ''), x.resource_url, x.payee, 'pending',
      p_now, x.approval_expires
    FROM unnest(h_ord) AS h(ord)
    CROSS JOIN LATERAL jsonb_to_record(p_ops->(h.ord - 1)) AS x(id text, agent text, amount bigint,
      vendor text, resource_url text, payee text, approval_id text, approval_expires timestamptz);
  END IF;

  IF cardinality(k_key) > 0 THEN
    UPDATE budget_cap_usage AS b SET spent_micro = k.spent, reserved_micro = k.reserved, updated_at = now()
    FROM unnest(k_vendor, k_agent, k_period, k_start, k_spent, k_reserved, k_dirty)
      AS k(vendor, agent, period, start, spent, reserved, dirty)
    WHERE k.dirty AND b.vendor = k.vendor AND b.agent_id = k.agent AND b.period = k.period::budget_period
      AND b.period_start = k.start;
  END IF;

  UPDATE budget_usage AS b SET spent_micro = w.spent, reserved_micro = w.reserved, updated_at = now()
  FROM unnest(w_agent, w_period, w_start, w_spent, w_reserved, w_dirty) AS w(agent, period, start, spent, reserved, dirty)
  WHERE w.dirty AND b.agent_id = w.agent AND b.period = w.period::budget_period AND b.period_start = w.start;
END
$fn$;
