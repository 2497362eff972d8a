-- The app's copy of what the hospital last said, per hospital and patient, so it can be shown
-- offline. Times are UTC RFC 3339 text.

CREATE TABLE appointment (
    hospital   TEXT NOT NULL,
    patient_id TEXT NOT NULL,
    id         TEXT NOT NULL,
    reference  TEXT,
    status     TEXT NOT NULL,
    start_at   TEXT NOT NULL,
    end_at     TEXT NOT NULL,
    service    TEXT NOT NULL,
    clinician  TEXT,
    location   TEXT,
    PRIMARY KEY (hospital, patient_id, id)
);

-- When each kind of record was last fetched in full.
CREATE TABLE fetched (
    hospital   TEXT NOT NULL,
    patient_id TEXT NOT NULL,
    resource   TEXT NOT NULL,
    fetched_at TEXT NOT NULL,
    PRIMARY KEY (hospital, patient_id, resource)
);

-- The last patient signed in at each hospital, so the cache can be found without the network.
CREATE TABLE profile (
    hospital      TEXT PRIMARY KEY,
    hospital_name TEXT,
    patient_id    TEXT NOT NULL,
    patient_name  TEXT
);
