-- Facilities: the directory's source of truth. The whole record lives in
-- doc (JSON); the columns beside it are what SQL needs to find rows.
CREATE TABLE facilities (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    city          TEXT NOT NULL DEFAULT '',
    state         TEXT NOT NULL DEFAULT '',
    zip           TEXT NOT NULL DEFAULT '',
    lat           DOUBLE PRECISION NOT NULL,
    lon           DOUBLE PRECISION NOT NULL,
    source        TEXT NOT NULL,
    source_id     TEXT NOT NULL DEFAULT '',
    last_verified TEXT NOT NULL DEFAULT '',
    active        BOOLEAN NOT NULL DEFAULT TRUE,
    doc           TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    seq           BIGINT NOT NULL
);
CREATE INDEX facilities_seq ON facilities (seq);
CREATE INDEX facilities_source ON facilities (source, source_id);
CREATE INDEX facilities_zip ON facilities (zip);

-- The change sequence: every write takes the next numbers from here, so
-- followers (the search index, replicas) can ask for what changed since N.
CREATE TABLE change_counter (
    id  INTEGER PRIMARY KEY,
    seq BIGINT NOT NULL
);
INSERT INTO change_counter (id, seq) VALUES (1, 0);

-- Small named values: reindex requests and the like.
CREATE TABLE store_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
