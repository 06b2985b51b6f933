-- Retention (issue 5): nothing of the history can be altered or deleted. 運用規程第12条 keeps
-- the records seven years; older ones are archived (daicho-server export), never dropped.
-- The server never writes an UPDATE or DELETE on these tables; these triggers refuse anyone
-- else's. A device's row may be updated (revocation) but not deleted: its key checks its events.

CREATE OR REPLACE FUNCTION daicho_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'retention: % on % refused (運用規程第12条: 記録は7年間保存し、変更も削除もできません / records are kept seven years and never altered or deleted)', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'integrity_constraint_violation';
END
$$;

CREATE TRIGGER events_retention BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION daicho_refuse_change();
CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION daicho_refuse_change();
CREATE TRIGGER log_tree_retention BEFORE UPDATE OR DELETE ON log_tree
    FOR EACH ROW EXECUTE FUNCTION daicho_refuse_change();
CREATE TRIGGER log_tree_no_truncate BEFORE TRUNCATE ON log_tree
    FOR EACH STATEMENT EXECUTE FUNCTION daicho_refuse_change();
CREATE TRIGGER log_checkpoints_retention BEFORE UPDATE OR DELETE ON log_checkpoints
    FOR EACH ROW EXECUTE FUNCTION daicho_refuse_change();
CREATE TRIGGER log_checkpoints_no_truncate BEFORE TRUNCATE ON log_checkpoints
    FOR EACH STATEMENT EXECUTE FUNCTION daicho_refuse_change();
CREATE TRIGGER log_keys_retention BEFORE UPDATE OR DELETE ON log_keys
    FOR EACH ROW EXECUTE FUNCTION daicho_refuse_change();
CREATE TRIGGER log_keys_no_truncate BEFORE TRUNCATE ON log_keys
    FOR EACH STATEMENT EXECUTE FUNCTION daicho_refuse_change();
CREATE TRIGGER security_exceptions_retention BEFORE UPDATE OR DELETE ON security_exceptions
    FOR EACH ROW EXECUTE FUNCTION daicho_refuse_change();
CREATE TRIGGER security_exceptions_no_truncate BEFORE TRUNCATE ON security_exceptions
    FOR EACH STATEMENT EXECUTE FUNCTION daicho_refuse_change();
CREATE TRIGGER rule_breaks_retention BEFORE UPDATE OR DELETE ON rule_breaks
    FOR EACH ROW EXECUTE FUNCTION daicho_refuse_change();
CREATE TRIGGER rule_breaks_no_truncate BEFORE TRUNCATE ON rule_breaks
    FOR EACH STATEMENT EXECUTE FUNCTION daicho_refuse_change();
CREATE TRIGGER devices_no_delete BEFORE DELETE ON devices
    FOR EACH ROW EXECUTE FUNCTION daicho_refuse_change();
CREATE TRIGGER devices_no_truncate BEFORE TRUNCATE ON devices
    FOR EACH STATEMENT EXECUTE FUNCTION daicho_refuse_change();
