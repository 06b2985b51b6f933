-- Devices allowed to sync, by the public half of their Ed25519 key, and the one-time codes
-- they enroll with (only a hash of each code is kept). Revocation is a timestamp, not a delete.
CREATE TABLE IF NOT EXISTS enrollment_codes (
    code_hash  TEXT   PRIMARY KEY,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT,
    used_by    TEXT
);

CREATE TABLE IF NOT EXISTS devices (
    device      TEXT   PRIMARY KEY,
    public_key  TEXT   NOT NULL,
    enrolled_at BIGINT NOT NULL,
    revoked_at  BIGINT
);
