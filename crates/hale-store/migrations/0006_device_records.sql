-- A continuous glucose monitor numbers its stored records by time offset within a sensor
-- session, and a new session counts from 0 again: `record_session` names the session that
-- `last_sequence` belongs to (NULL for a glucose meter, whose sequence numbers never restart).
ALTER TABLE paired_device ADD COLUMN record_session TEXT;

-- A glucose reading's meal context (hale_domain GlucoseContext as JSON), when the meter sent one.
ALTER TABLE reading ADD COLUMN context TEXT;
