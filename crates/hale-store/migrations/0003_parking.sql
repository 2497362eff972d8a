-- The patient's saved vehicles on this device, and the last copy of their parking sessions (as
-- the hospital's JSON) so a running session's time shows offline too.
CREATE TABLE vehicle (
    registration TEXT PRIMARY KEY,
    label        TEXT
);

CREATE TABLE parking_copy (
    hospital   TEXT NOT NULL,
    patient_id TEXT NOT NULL,
    sessions   TEXT NOT NULL,
    fetched_at TEXT NOT NULL,
    PRIMARY KEY (hospital, patient_id)
);
