-- Devices allowed to sync, by the public half of their Ed25519 key, and the one-time codes
-- they enroll with (only a hash of each code is kept). Revocation is a timestamp, not a delete.
CREATE TABLE IF NOT EXISTS enrollment_codes (
    code_hash  TEXT    PRIMARY KEY,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER,
    used_by    TEXT
);

CREATE TABLE IF NOT EXISTS devices (
    device      TEXT    PRIMARY KEY,
    public_key  TEXT    NOT NULL,
    enrolled_at INTEGER NOT NULL,
    revoked_at  INTEGER
);
