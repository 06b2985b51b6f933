-- The transparency log (issue 5): an RFC 6962 Merkle tree over the events in pos order.
-- Every perfect subtree by (level, idx); level 0 are the leaves, each with its event's pos.
-- Complete subtrees never change, so rows are only inserted (transparency.rs).
CREATE TABLE IF NOT EXISTS log_tree (
    level BIGINT  NOT NULL,
    idx   BIGINT  NOT NULL,
    hash  TEXT    NOT NULL,
    pos   BIGINT,
    PRIMARY KEY (level, idx)
);
CREATE UNIQUE INDEX IF NOT EXISTS log_tree_pos ON log_tree (pos);

-- Every checkpoint the endpoint signed (a C2SP signed note), one per tree size.
CREATE TABLE IF NOT EXISTS log_checkpoints (
    size      BIGINT  PRIMARY KEY,
    note      TEXT    NOT NULL,
    signed_at BIGINT  NOT NULL
);

-- The public keys checkpoints were signed with (the private key is a file: log_key.rs).
CREATE TABLE IF NOT EXISTS log_keys (
    vkey     TEXT    PRIMARY KEY,
    added_at BIGINT  NOT NULL
);
