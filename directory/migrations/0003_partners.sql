-- Partners: sites that embed CareFinder's search with a key. The key is
-- KEYID.SECRET; only the key id is kept in clear, the secret as its SHA-256.
-- (0002 is another change's; migrations apply by version, gaps and all.)
CREATE TABLE partners (
    key_id      TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    secret_hash TEXT NOT NULL,
    origins     TEXT NOT NULL,
    defaults    TEXT NOT NULL DEFAULT '',
    region      TEXT NOT NULL DEFAULT '',
    rate_limit  INTEGER NOT NULL,
    enabled     BOOLEAN NOT NULL DEFAULT TRUE,
    created_at  TEXT NOT NULL,
    disabled_at TEXT NOT NULL DEFAULT ''
);

-- Requests served per partner per UTC day (YYYY-MM-DD), added to in batches.
CREATE TABLE partner_usage (
    key_id   TEXT NOT NULL REFERENCES partners (key_id),
    day      TEXT NOT NULL,
    requests BIGINT NOT NULL,
    PRIMARY KEY (key_id, day)
);
