-- Retention (issue 5): nothing of the history can be altered or deleted. 運用規程第12条 keeps
-- the records seven years; older ones are archived (daicho-server export), never dropped.
-- The server never writes an UPDATE or DELETE on these tables; these triggers refuse anyone
-- else's. A device's row may be updated (revocation) but not deleted: its key checks its events.

CREATE TRIGGER IF NOT EXISTS events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'retention: UPDATE on events refused (運用規程第12条: 記録は7年間保存し、変更も削除もできません / records are kept seven years and never altered or deleted)'); END;
CREATE TRIGGER IF NOT EXISTS events_no_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'retention: DELETE on events refused (運用規程第12条: 記録は7年間保存し、変更も削除もできません / records are kept seven years and never altered or deleted)'); END;
CREATE TRIGGER IF NOT EXISTS log_tree_no_update BEFORE UPDATE ON log_tree
BEGIN SELECT RAISE(ABORT, 'retention: UPDATE on log_tree refused (運用規程第12条: 記録は7年間保存し、変更も削除もできません / records are kept seven years and never altered or deleted)'); END;
CREATE TRIGGER IF NOT EXISTS log_tree_no_delete BEFORE DELETE ON log_tree
BEGIN SELECT RAISE(ABORT, 'retention: DELETE on log_tree refused (運用規程第12条: 記録は7年間保存し、変更も削除もできません / records are kept seven years and never altered or deleted)'); END;
CREATE TRIGGER IF NOT EXISTS log_checkpoints_no_update BEFORE UPDATE ON log_checkpoints
BEGIN SELECT RAISE(ABORT, 'retention: UPDATE on log_checkpoints refused (運用規程第12条: 記録は7年間保存し、変更も削除もできません / records are kept seven years and never altered or deleted)'); END;
CREATE TRIGGER IF NOT EXISTS log_checkpoints_no_delete BEFORE DELETE ON log_checkpoints
BEGIN SELECT RAISE(ABORT, 'retention: DELETE on log_checkpoints refused (運用規程第12条: 記録は7年間保存し、変更も削除もできません / records are kept seven years and never altered or deleted)'); END;
CREATE TRIGGER IF NOT EXISTS log_keys_no_update BEFORE UPDATE ON log_keys
BEGIN SELECT RAISE(ABORT, 'retention: UPDATE on log_keys refused (運用規程第12条: 記録は7年間保存し、変更も削除もできません / records are kept seven years and never altered or deleted)'); END;
CREATE TRIGGER IF NOT EXISTS log_keys_no_delete BEFORE DELETE ON log_keys
BEGIN SELECT RAISE(ABORT, 'retention: DELETE on log_keys refused (運用規程第12条: 記録は7年間保存し、変更も削除もできません / records are kept seven years and never altered or deleted)'); END;
CREATE TRIGGER IF NOT EXISTS security_exceptions_no_update BEFORE UPDATE ON security_exceptions
BEGIN SELECT RAISE(ABORT, 'retention: UPDATE on security_exceptions refused (運用規程第12条: 記録は7年間保存し、変更も削除もできません / records are kept seven years and never altered or deleted)'); END;
CREATE TRIGGER IF NOT EXISTS security_exceptions_no_delete BEFORE DELETE ON security_exceptions
BEGIN SELECT RAISE(ABORT, 'retention: DELETE on security_exceptions refused (運用規程第12条: 記録は7年間保存し、変更も削除もできません / records are kept seven years and never altered or deleted)'); END;
CREATE TRIGGER IF NOT EXISTS rule_breaks_no_update BEFORE UPDATE ON rule_breaks
BEGIN SELECT RAISE(ABORT, 'retention: UPDATE on rule_breaks refused (運用規程第12条: 記録は7年間保存し、変更も削除もできません / records are kept seven years and never altered or deleted)'); END;
CREATE TRIGGER IF NOT EXISTS rule_breaks_no_delete BEFORE DELETE ON rule_breaks
BEGIN SELECT RAISE(ABORT, 'retention: DELETE on rule_breaks refused (運用規程第12条: 記録は7年間保存し、変更も削除もできません / records are kept seven years and never altered or deleted)'); END;
CREATE TRIGGER IF NOT EXISTS devices_no_delete BEFORE DELETE ON devices
BEGIN SELECT RAISE(ABORT, 'retention: DELETE on devices refused (運用規程第12条: 記録は7年間保存し、変更も削除もできません / records are kept seven years and never altered or deleted)'); END;
