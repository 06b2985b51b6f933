-- What the endpoint refused as a security exception (a fork: a second history for a device's
-- seqs already stored). Append-only, like the events.
CREATE TABLE IF NOT EXISTS security_exceptions (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    device    TEXT    NOT NULL,
    seq       INTEGER NOT NULL,
    code      TEXT    NOT NULL,
    detail    TEXT    NOT NULL,
    raised_at INTEGER NOT NULL
);
