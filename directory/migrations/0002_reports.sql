-- Reports of problems with a listing ("the phone number is wrong"), sent
-- by anyone without an account. Admins read them later. The client is kept
-- only as a keyed hash (of its address and browser), enough to spot a flood
-- from one place without storing who sent what.
CREATE TABLE reports (
    id          TEXT PRIMARY KEY,
    facility_id TEXT NOT NULL,
    kind        TEXT NOT NULL,
    message     TEXT NOT NULL DEFAULT '',
    contact     TEXT NOT NULL DEFAULT '',
    client_hash TEXT NOT NULL DEFAULT '',
    status      TEXT NOT NULL DEFAULT 'new',
    created_at  TEXT NOT NULL
);
CREATE INDEX reports_facility ON reports (facility_id, created_at);
CREATE INDEX reports_status ON reports (status, created_at);
