-- A person's entries by the moment entered, and the exits naming an entry: the lines the rule
-- of one room at a time reads (rule_check::lines_needed), never the whole logbook.
CREATE INDEX IF NOT EXISTS events_entry_person_entered
    ON events (((body::jsonb) -> 'payload' ->> 'person_id'),
               (((body::jsonb) -> 'payload' ->> 'entered_at')::bigint))
    WHERE kind = 'entry_recorded';
CREATE INDEX IF NOT EXISTS events_exit_entry
    ON events (((body::jsonb) -> 'payload' ->> 'entry'))
    WHERE kind = 'exit_recorded';
