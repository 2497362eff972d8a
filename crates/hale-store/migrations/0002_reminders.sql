-- Reminders already shown, so a restart never shows one twice. The key names the appointment,
-- its start and the lead (see hale_domain::reminder); a moved appointment gets new keys.
CREATE TABLE reminder_sent (
    hospital   TEXT NOT NULL,
    patient_id TEXT NOT NULL,
    key        TEXT NOT NULL,
    sent_at    TEXT NOT NULL,
    PRIMARY KEY (hospital, patient_id, key)
);

-- The patient's choices on this device, by name (e.g. 'reminder_leads' = 'P1D,PT120M').
CREATE TABLE setting (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
