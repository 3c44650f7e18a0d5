-- The three agents of the operations guide exist on every fresh database.
INSERT INTO "agents" ("id", "name") VALUES
  ('builder_agent', 'Builder agent'),
  ('research_agent', 'Research agent'),
  ('code_review_agent', 'Code review agent')
ON CONFLICT ("id") DO NOTHING;
--> statement-breakpoint
INSERT INTO "settings" ("key", "value", "updated_by", "reason")
VALUES ('kill_switch', '{"enabled": false}'::jsonb, 'system', 'initial state')
ON CONFLICT ("key") DO NOTHING;
