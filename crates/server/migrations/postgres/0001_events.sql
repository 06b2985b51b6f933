-- Every device's events, as they arrive from signed batches (issue: sync). Append-only:
-- the server never updates or deletes a row of this table. `pos` is the order of storing,
-- which pulls follow (pushes are serialised so that positions become visible in order:
-- event_log::push).
CREATE TABLE IF NOT EXISTS events (
    pos         BIGSERIAL PRIMARY KEY,
    device      TEXT   NOT NULL,
    seq         BIGINT NOT NULL,
    hlc_wall_ms BIGINT NOT NULL,
    hlc_counter BIGINT NOT NULL,
    operator    TEXT   NOT NULL,
    kind        TEXT   NOT NULL,
    body        TEXT   NOT NULL,
    prev_hash   TEXT   NOT NULL,
    hash        TEXT   NOT NULL,
    received_at BIGINT NOT NULL,
    UNIQUE (device, seq)
);
