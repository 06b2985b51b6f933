-- What the endpoint refused as a security exception (a fork: a second history for a device's
-- seqs already stored). Append-only, like the events.
CREATE TABLE IF NOT EXISTS security_exceptions (
    id        BIGSERIAL PRIMARY KEY,
    device    TEXT   NOT NULL,
    seq       BIGINT NOT NULL,
    code      TEXT   NOT NULL,
    detail    TEXT   NOT NULL,
    raised_at BIGINT NOT NULL
);
