-- One security exception per device, code and seq (issue 14): a device sending the same fork
-- again and again added one permanent row each time. The first occurrence stays in
-- security_exceptions, immutable evidence under the retention triggers; how often it recurred
-- and when it was last seen are kept here, the only part of an exception that may change.
CREATE TABLE IF NOT EXISTS security_exception_counts (
    device       TEXT   NOT NULL,
    code         TEXT   NOT NULL,
    seq          BIGINT NOT NULL,
    occurrences  BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    PRIMARY KEY (device, code, seq)
);

-- The exceptions raised before: each (device, code, seq) once, counting its rows (which stay:
-- evidence is never deleted).
INSERT INTO security_exception_counts (device, code, seq, occurrences, last_seen_at)
SELECT device, code, seq, COUNT(*), MAX(raised_at)
FROM security_exceptions
GROUP BY device, code, seq;

-- Retention: a count only counts on; it is never renamed, rewound, deleted or truncated.
CREATE OR REPLACE FUNCTION daicho_count_on_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.device IS DISTINCT FROM OLD.device OR NEW.code IS DISTINCT FROM OLD.code
        OR NEW.seq IS DISTINCT FROM OLD.seq OR NEW.occurrences < OLD.occurrences THEN
        RAISE EXCEPTION 'retention: UPDATE on % refused: only occurrences (upwards) and last_seen_at may change (運用規程第12条: 記録は7年間保存し、変更も削除もできません / records are kept seven years and never altered or deleted)', TG_TABLE_NAME
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER security_exception_counts_count_on BEFORE UPDATE ON security_exception_counts
    FOR EACH ROW EXECUTE FUNCTION daicho_count_on_only();
CREATE TRIGGER security_exception_counts_retention BEFORE DELETE ON security_exception_counts
    FOR EACH ROW EXECUTE FUNCTION daicho_refuse_change();
CREATE TRIGGER security_exception_counts_no_truncate BEFORE TRUNCATE ON security_exception_counts
    FOR EACH STATEMENT EXECUTE FUNCTION daicho_refuse_change();
