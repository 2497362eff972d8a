-- Alerts to helpers. What a helper chose, per grant: kind codes ('missed-dose', 'beyond-limits',
-- 'no-data') separated by spaces, and quiet hours ('HH:MM:SS', in the helper's own day, which
-- their app applies). No row: every kind, no quiet hours.
CREATE TABLE helper_alert_settings (
    consent_id  TEXT PRIMARY KEY REFERENCES consent (id),
    kinds       TEXT NOT NULL,
    quiet_from  TEXT,
    quiet_until TEXT,
    updated_at  TEXT NOT NULL
);

-- Each alert raised for a helper: one per grant and episode ('dose:<dose key>' for a dose with
-- no record, 'alert:<alert id>' for the hospital's own alert), so two passes, or two instances,
-- raise it once. Kept as the record of what the helper was told.
CREATE TABLE helper_alert (
    id          TEXT PRIMARY KEY,
    consent_id  TEXT NOT NULL REFERENCES consent (id),
    patient_id  TEXT NOT NULL REFERENCES patient (id),
    episode     TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('missed-dose', 'beyond-limits', 'no-data')),
    tier        TEXT NOT NULL CHECK (tier IN ('amber', 'red')),
    raised_at   TEXT NOT NULL,
    UNIQUE (consent_id, episode)
);
CREATE INDEX helper_alert_by_consent ON helper_alert (consent_id, raised_at);
