-- Records stored although, with everything the endpoint knows, they broke a rule when made
-- (a key lent offline after a revocation elsewhere). One row per record; append-only.
CREATE TABLE IF NOT EXISTS rule_breaks (
    record    TEXT    PRIMARY KEY,
    code      TEXT    NOT NULL,
    room_id   TEXT    NOT NULL,
    person_id TEXT    NOT NULL,
    at_ms     BIGINT  NOT NULL,
    body      TEXT    NOT NULL,
    raised_at BIGINT  NOT NULL
);

-- The rules read rooms, keys and permits by kind, and loans and entries by kind and time.
CREATE INDEX IF NOT EXISTS events_kind_time ON events (kind, hlc_wall_ms);
