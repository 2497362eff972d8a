-- The copy of what the care team shares with the patient: the monitoring plan, the alerts the
-- hospital raised and when the team saw each, and the team's messages.

CREATE TABLE care_plan (
    hospital   TEXT NOT NULL,
    patient_id TEXT NOT NULL,
    -- hale_domain's MonitoringPlan as JSON: times, limits and trend rules nest too deep for
    -- columns to hold honestly.
    plan       TEXT NOT NULL,
    PRIMARY KEY (hospital, patient_id)
);

CREATE TABLE hospital_alert (
    hospital   TEXT NOT NULL,
    patient_id TEXT NOT NULL,
    id         TEXT NOT NULL,
    rule_key   TEXT NOT NULL,
    tier       TEXT NOT NULL CHECK (tier IN ('amber', 'red')),
    raised     TEXT NOT NULL,
    cleared    TEXT,
    seen       TEXT,
    PRIMARY KEY (hospital, patient_id, id)
);

CREATE TABLE care_message (
    hospital   TEXT NOT NULL,
    patient_id TEXT NOT NULL,
    id         TEXT NOT NULL,
    sender     TEXT NOT NULL,
    body       TEXT NOT NULL,
    sent       TEXT NOT NULL,
    PRIMARY KEY (hospital, patient_id, id)
);
