-- The pull order becomes an explicit column, `pos`, as on PostgreSQL, instead of SQLite's
-- rowid. Each stored event keeps its rowid as its pos, so the cursors devices already hold
-- stay valid; AUTOINCREMENT never reuses a position.
CREATE TABLE events_pos (
    pos         INTEGER PRIMARY KEY AUTOINCREMENT,
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
    UNIQUE (device, seq)
);

INSERT INTO events_pos (pos, device, seq, hlc_wall_ms, hlc_counter, operator, kind, body,
                        prev_hash, hash, received_at)
SELECT rowid, device, seq, hlc_wall_ms, hlc_counter, operator, kind, body,
       prev_hash, hash, received_at
FROM events ORDER BY rowid;

DROP TABLE events;
ALTER TABLE events_pos RENAME TO events;
