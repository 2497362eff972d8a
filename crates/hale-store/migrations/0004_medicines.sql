-- Medicines on the patient's list: prescriptions copied from the hospital (replaced on each
-- refresh) and the patient's own. `body` is hale_domain's Medicine as JSON: a schedule is a tree
-- (steps, timings, bounds), read and written whole.
CREATE TABLE medicine (
    hospital   TEXT NOT NULL,
    patient_id TEXT NOT NULL,
    id         TEXT NOT NULL,
    source     TEXT NOT NULL CHECK (source IN ('prescription', 'own')),
    body       TEXT NOT NULL,
    PRIMARY KEY (hospital, patient_id, id)
);

-- How much of a medicine the patient counted, and when: taken doses since then come off it.
CREATE TABLE medicine_supply (
    hospital    TEXT NOT NULL,
    patient_id  TEXT NOT NULL,
    medicine_id TEXT NOT NULL,
    amount      REAL NOT NULL CHECK (amount >= 0),
    counted_at  TEXT NOT NULL,
    PRIMARY KEY (hospital, patient_id, medicine_id)
);

-- The patient's word on each dose, one row per medicine and slot: a dose is logged once.
-- `synced_at` NULL means the hospital has not confirmed it yet (the outbox).
CREATE TABLE dose_record (
    hospital    TEXT NOT NULL,
    patient_id  TEXT NOT NULL,
    medicine_id TEXT NOT NULL,
    slot        TEXT NOT NULL,
    due_at      TEXT,
    outcome     TEXT NOT NULL CHECK (outcome IN ('taken', 'skipped')),
    amount      REAL,
    reason      TEXT,
    at          TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    synced_at   TEXT,
    PRIMARY KEY (hospital, patient_id, medicine_id, slot)
);
CREATE INDEX dose_record_unsynced ON dose_record (hospital, patient_id) WHERE synced_at IS NULL;

-- "Remind me again at …" for a due dose.
CREATE TABLE dose_snooze (
    hospital    TEXT NOT NULL,
    patient_id  TEXT NOT NULL,
    medicine_id TEXT NOT NULL,
    slot        TEXT NOT NULL,
    until       TEXT NOT NULL,
    PRIMARY KEY (hospital, patient_id, medicine_id, slot)
);
