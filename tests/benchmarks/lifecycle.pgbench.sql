-- B1 baseline: one supply lifecycle (create, submit, approve, approve) as pgbench runs it.
-- The row writes, row locks and transaction boundaries of the services (tests/benchmarks/lifecycle_sql.py
-- has the same statements for psycopg and sqlite3). Variables come from `pgbench -D`: the users, the
-- department, the item and the findings of a submission (:findings, rows of VALUES), read at prepare.
-- Clients alternate between the two demo departments as the services' workers do.
\set requester case when :client_id % 2 = 0 then :staff0 else :staff1 end
\set head case when :client_id % 2 = 0 then :head0 else :head1 end
\set department case when :client_id % 2 = 0 then :dep0 else :dep1 end
BEGIN;
INSERT INTO supply_requests (requester_id, department_id, purpose, status, version, total, needs_office_review, budget_year, committed_amount, created_at, updated_at, status_changed_at) VALUES (:requester, :department, 'Air conditioner', 'draft', 1, :total, false, :year, 0, now(), now(), now()) RETURNING id AS rid \gset
INSERT INTO supply_lines (request_id, position, item_id, description, category, unit, unit_price, quantity, supplier, attributes, received_quantity, green, single_use, spend) VALUES (:rid, 0, :item, 'Split air conditioner', 'appliance', 'set', :price, :quantity, 'Gree Electric', :attributes, 0, false, false, 0);
UPDATE supply_requests SET number = 'SR-:year-' || lpad(CAST(:rid AS text), 6, '0') WHERE id = :rid AND version = 1;
SELECT coalesce((SELECT hash FROM audit_events WHERE entity_type = 'supply_request' AND entity_id = :rid ORDER BY id DESC LIMIT 1), '') AS prev \gset
INSERT INTO audit_events (entity_type, entity_id, action, from_state, to_state, actor_id, policy_version, data, created_at, prev_hash, hash) VALUES ('supply_request', :rid, 'create', NULL, 'draft', :requester, NULL, '{}', now(), nullif(':prev', ''), md5(':rid') || md5(':prev'));
COMMIT;
BEGIN;
SELECT status, version FROM supply_requests WHERE id = :rid FOR UPDATE;
INSERT INTO supply_findings (request_id, line, rule_id, outcome, message_key, params, suggestions, policy_version) SELECT :rid, f.line, f.rule_id, f.outcome, f.message_key, CAST(f.params AS json), CAST(f.suggestions AS json), '2026.1' FROM (VALUES :findings) AS f(line, rule_id, outcome, message_key, params, suggestions);
UPDATE supply_requests SET policy_version = '2026.1', needs_office_review = true, status = 'dept_review', version = 2, updated_at = now(), submitted_at = now(), status_changed_at = now() WHERE id = :rid AND version = 1;
UPDATE supply_lines SET green = true WHERE request_id = :rid;
SELECT coalesce((SELECT hash FROM audit_events WHERE entity_type = 'supply_request' AND entity_id = :rid ORDER BY id DESC LIMIT 1), '') AS prev \gset
INSERT INTO audit_events (entity_type, entity_id, action, from_state, to_state, actor_id, policy_version, data, created_at, prev_hash, hash) VALUES ('supply_request', :rid, 'submit', 'draft', 'dept_review', :requester, '2026.1', '{}', now(), nullif(':prev', ''), md5(':rid') || md5(':prev'));
INSERT INTO outbox_events (event_id, topic, aggregate_type, aggregate_id, payload, created_at) VALUES (CAST(gen_random_uuid() AS text), 'request.submitted', 'supply_request', :rid, '{"number": "SR-:year-:rid", "requester_id": :requester, "department_id": :department, "actor_id": :requester, "from": "draft", "to": "dept_review", "comment": ""}', now()), (CAST(gen_random_uuid() AS text), 'task.assigned', 'supply_request', :rid, '{"level": "dept_review", "version": 2, "number": "SR-:year-:rid", "requester_id": :requester, "department_id": :department, "actor_id": :requester, "from": "draft", "to": "dept_review", "comment": ""}', now());
COMMIT;
BEGIN;
SELECT status, version FROM supply_requests WHERE id = :rid FOR UPDATE;
UPDATE supply_requests SET status = 'office_review', version = 3, committed_amount = total, updated_at = now(), status_changed_at = now() WHERE id = :rid AND version = 2;
UPDATE budgets SET committed = committed + :total WHERE department_id = :department AND year = :year;
SELECT coalesce((SELECT hash FROM audit_events WHERE entity_type = 'supply_request' AND entity_id = :rid ORDER BY id DESC LIMIT 1), '') AS prev \gset
INSERT INTO audit_events (entity_type, entity_id, action, from_state, to_state, actor_id, policy_version, data, created_at, prev_hash, hash) VALUES ('supply_request', :rid, 'approve', 'dept_review', 'office_review', :head, '2026.1', '{}', now(), nullif(':prev', ''), md5(':rid') || md5(':prev'));
INSERT INTO outbox_events (event_id, topic, aggregate_type, aggregate_id, payload, created_at) VALUES (CAST(gen_random_uuid() AS text), 'request.advanced', 'supply_request', :rid, '{"number": "SR-:year-:rid", "requester_id": :requester, "department_id": :department, "actor_id": :head, "from": "dept_review", "to": "office_review", "comment": ""}', now()), (CAST(gen_random_uuid() AS text), 'task.assigned', 'supply_request', :rid, '{"level": "office_review", "version": 3, "number": "SR-:year-:rid", "requester_id": :requester, "department_id": :department, "actor_id": :head, "from": "dept_review", "to": "office_review", "comment": ""}', now());
COMMIT;
BEGIN;
SELECT status, version FROM supply_requests WHERE id = :rid FOR UPDATE;
UPDATE supply_requests SET status = 'approved', version = 4, updated_at = now(), status_changed_at = now() WHERE id = :rid AND version = 3;
SELECT coalesce((SELECT hash FROM audit_events WHERE entity_type = 'supply_request' AND entity_id = :rid ORDER BY id DESC LIMIT 1), '') AS prev \gset
INSERT INTO audit_events (entity_type, entity_id, action, from_state, to_state, actor_id, policy_version, data, created_at, prev_hash, hash) VALUES ('supply_request', :rid, 'approve', 'office_review', 'approved', :office, '2026.1', '{}', now(), nullif(':prev', ''), md5(':rid') || md5(':prev'));
INSERT INTO outbox_events (event_id, topic, aggregate_type, aggregate_id, payload, created_at) VALUES (CAST(gen_random_uuid() AS text), 'request.approved', 'supply_request', :rid, '{"number": "SR-:year-:rid", "requester_id": :requester, "department_id": :department, "actor_id": :office, "from": "office_review", "to": "approved", "comment": ""}', now());
COMMIT;
