-- A person's entries by the moment entered, and the exits naming an entry: the lines the rule
-- of one room at a time reads (rule_check::lines_needed), never the whole logbook.
CREATE INDEX IF NOT EXISTS events_entry_person_entered
    ON events (json_extract(body, '$.payload.person_id'), json_extract(body, '$.payload.entered_at'))
    WHERE kind = 'entry_recorded';
CREATE INDEX IF NOT EXISTS events_exit_entry
    ON events (json_extract(body, '$.payload.entry'))
    WHERE kind = 'exit_recorded';
