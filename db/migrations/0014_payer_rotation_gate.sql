ALTER TABLE "payer_rotations" ADD COLUMN "sweep_started_at" timestamp with time zone;--> statement-breakpoint
-- The rotation gate (lib/payment-core/treasury/rotation-gate.ts). From the moment a sweep begins
-- (sweep_started_at, or a recorded sweep transfer) through `swept` and after `completed`, no
-- reservation (a ledger row the payer is about to sign: pending or authorized) may name the
-- rotation's old wallet. Checked in the reservation's own transaction, after a shared advisory lock
-- that the sweep takes exclusively before it commits sweep_started_at: a reservation either commits
-- before the gate closes (so the sweep's resolver, which runs after, sees its row) or sees it closed
-- and is refused whole (nothing is written). One check per statement, so a batch pays it once.
CREATE FUNCTION payer_rotation_gate() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  g record;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM inserted WHERE payer IS NOT NULL AND status IN ('pending', 'authorized')) THEN
    RETURN NULL;
  END IF;
  PERFORM pg_advisory_xact_lock_shared(hashtextextended('x402.payer_rotation_gate', 0));
  SELECT r.id, r.state::text AS state, r.old_wallet INTO g
  FROM payer_rotations r
  WHERE r.state IN ('test_paid', 'swept', 'completed')
    AND (r.state <> 'test_paid' OR r.sweep_started_at IS NOT NULL OR r.sweep_tx_hash IS NOT NULL)
    AND r.old_wallet IN (SELECT lower(i.payer) FROM inserted i
                         WHERE i.payer IS NOT NULL AND i.status IN ('pending', 'authorized'))
  ORDER BY r.created_at DESC
  LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'payer_rotating' USING ERRCODE = 'P0001',
      DETAIL = json_build_object('rotationId', g.id, 'state', g.state, 'wallet', g.old_wallet)::text;
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER transactions_payer_rotation_gate AFTER INSERT ON transactions
  REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION payer_rotation_gate();
