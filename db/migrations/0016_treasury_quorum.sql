CREATE TABLE "payer_rotation_approvals" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"rotation_id" text NOT NULL,
	"signer" text NOT NULL,
	"signature" text NOT NULL,
	"submitted_by" text NOT NULL,
	"signed_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "payer_rotation_approvals_signature_unique" UNIQUE("signature")
);
--> statement-breakpoint
CREATE TABLE "treasury_owner_proposals" (
	"id" text PRIMARY KEY NOT NULL,
	"action" text NOT NULL,
	"address" text NOT NULL,
	"label" text,
	"nonce" text NOT NULL,
	"deadline" timestamp with time zone NOT NULL,
	"state" text DEFAULT 'open' NOT NULL,
	"proposed_by" text NOT NULL,
	"proposed_at" timestamp with time zone DEFAULT now() NOT NULL,
	"enacted_at" timestamp with time zone,
	CONSTRAINT "treasury_owner_proposals_nonce_unique" UNIQUE("nonce"),
	CONSTRAINT "treasury_owner_proposals_action" CHECK ("treasury_owner_proposals"."action" IN ('add', 'remove')),
	CONSTRAINT "treasury_owner_proposals_state" CHECK ("treasury_owner_proposals"."state" IN ('open', 'enacted')),
	CONSTRAINT "treasury_owner_proposals_address_lower_hex" CHECK ("treasury_owner_proposals"."address" ~ '^0x[0-9a-f]{40}$')
);
--> statement-breakpoint
CREATE TABLE "treasury_owner_signatures" (
	"proposal_id" text NOT NULL,
	"signer" text NOT NULL,
	"signature" text NOT NULL,
	"submitted_by" text NOT NULL,
	"signed_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "treasury_owner_signatures_proposal_id_signer_pk" PRIMARY KEY("proposal_id","signer"),
	CONSTRAINT "treasury_owner_signatures_signature_unique" UNIQUE("signature")
);
--> statement-breakpoint
ALTER TABLE "treasury_owners" ADD COLUMN "source" text DEFAULT 'console' NOT NULL;--> statement-breakpoint
ALTER TABLE "treasury_owners" ADD COLUMN "added_by_proposal" text;--> statement-breakpoint
ALTER TABLE "treasury_owners" ADD COLUMN "removed_by_proposal" text;--> statement-breakpoint
ALTER TABLE "treasury_owner_signatures" ADD CONSTRAINT "treasury_owner_signatures_proposal_id_treasury_owner_proposals_id_fk" FOREIGN KEY ("proposal_id") REFERENCES "public"."treasury_owner_proposals"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "payer_rotation_approvals_one_per_signer" ON "payer_rotation_approvals" USING btree ("rotation_id","signer");--> statement-breakpoint
CREATE INDEX "treasury_owner_proposals_proposed_idx" ON "treasury_owner_proposals" USING btree ("proposed_at" DESC NULLS LAST);--> statement-breakpoint
ALTER TABLE "treasury_owners" ADD CONSTRAINT "treasury_owners_source" CHECK ("treasury_owners"."source" IN ('env', 'proposal', 'console'));--> statement-breakpoint
-- Hand-written (data): approvals made before the quorum become the first row of their rotation's
-- approvals, so a signature already used stays refused as a replay.
INSERT INTO "payer_rotation_approvals" ("rotation_id", "signer", "signature", "submitted_by", "signed_at")
SELECT "id", "approver", lower("approval_signature"), "created_by", coalesce("approved_at", "updated_at")
FROM "payer_rotations"
WHERE "approval_signature" IS NOT NULL AND "approver" IS NOT NULL
ON CONFLICT DO NOTHING;
