-- What a helper's alert is about, for their list (never a notification): the kind of reading
-- ('blood-pressure', ...) beyond the limits or not arrived, or when the dose with no record was
-- due (RFC 3339, UTC). Both empty for a quiet device.
ALTER TABLE helper_alert ADD COLUMN reading TEXT;
ALTER TABLE helper_alert ADD COLUMN due_at TEXT;
