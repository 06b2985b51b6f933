-- Every device's events, as they arrive from signed batches (issue: sync). Append-only:
-- the server never updates or deletes a row of this table.
CREATE TABLE IF NOT EXISTS events (
    device      TEXT    NOT NULL,
    seq         INTEGER NOT NULL,
    hlc_wall_ms INTEGER NOT NULL,
    hlc_counter INTEGER NOT NULL,
    operator    TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    body        TEXT    NOT NULL,
    prev_hash   TEXT    NOT NULL,
    hash        TEXT    NOT NULL,
    received_at INTEGER NOT NULL,
    PRIMARY KEY (device, seq)
);
