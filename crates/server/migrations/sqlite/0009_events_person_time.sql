-- The loans and entries of one person from a moment on, for the rule re-check of a revocation
-- (rule_check::revoked_records): the person as the event's body names it.
CREATE INDEX IF NOT EXISTS events_person_time
    ON events (json_extract(body, '$.payload.person_id'), hlc_wall_ms)
    WHERE kind IN ('key_lent', 'entry_recorded');
