-- One security exception per device, code and seq (issue 14): a device sending the same fork
-- again and again added one permanent row each time. The first occurrence stays in
-- security_exceptions, immutable evidence under the retention triggers; how often it recurred
-- and when it was last seen are kept here, the only part of an exception that may change.
CREATE TABLE IF NOT EXISTS security_exception_counts (
    device       TEXT    NOT NULL,
    code         TEXT    NOT NULL,
    seq          INTEGER NOT NULL,
    occurrences  INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    PRIMARY KEY (device, code, seq)
);

-- The exceptions raised before: each (device, code, seq) once, counting its rows (which stay:
-- evidence is never deleted).
INSERT INTO security_exception_counts (device, code, seq, occurrences, last_seen_at)
SELECT device, code, seq, COUNT(*), MAX(raised_at)
FROM security_exceptions
GROUP BY device, code, seq;

-- Retention: a count only counts on; it is never renamed, rewound or deleted.
CREATE TRIGGER IF NOT EXISTS security_exception_counts_count_on
BEFORE UPDATE ON security_exception_counts
WHEN NEW.device IS NOT OLD.device OR NEW.code IS NOT OLD.code OR NEW.seq IS NOT OLD.seq
    OR NEW.occurrences < OLD.occurrences
BEGIN SELECT RAISE(ABORT, 'retention: UPDATE on security_exception_counts refused: only occurrences (upwards) and last_seen_at may change (運用規程第12条: 記録は7年間保存し、変更も削除もできません / records are kept seven years and never altered or deleted)'); END;
CREATE TRIGGER IF NOT EXISTS security_exception_counts_no_delete
BEFORE DELETE ON security_exception_counts
BEGIN SELECT RAISE(ABORT, 'retention: DELETE on security_exception_counts refused (運用規程第12条: 記録は7年間保存し、変更も削除もできません / records are kept seven years and never altered or deleted)'); END;
