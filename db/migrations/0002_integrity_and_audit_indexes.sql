DROP INDEX "audit_log_at_idx";--> statement-breakpoint
CREATE INDEX "audit_log_actor_idx" ON "audit_log" USING btree ("actor","at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "audit_log_action_idx" ON "audit_log" USING btree ("action","at" DESC NULLS LAST);--> statement-breakpoint
CREATE UNIQUE INDEX "budget_change_requests_one_pending" ON "budget_change_requests" USING btree ("agent_id","kind") WHERE "budget_change_requests"."status" = 'pending';--> statement-breakpoint
CREATE INDEX "audit_log_at_idx" ON "audit_log" USING btree ("at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
ALTER TABLE "budget_change_requests" ADD CONSTRAINT "budget_change_requests_positive" CHECK ("budget_change_requests"."requested_limit_micro" > 0);