-- Vital-sign readings relayed from patients' devices (FHIR Observation), stored as received.
-- The identifier is the reading's key (device + kind + sequence or time): a reading relayed twice
-- is stored once, enforced by the UNIQUE constraint, whatever retries or crashes happen.
CREATE TABLE observation (
    id                TEXT PRIMARY KEY,
    patient_id        TEXT NOT NULL REFERENCES patient (id),
    identifier_system TEXT NOT NULL,
    identifier_value  TEXT NOT NULL,
    code              TEXT NOT NULL,
    effective_at      TEXT NOT NULL,
    interpretation    TEXT,
    resource          TEXT NOT NULL,
    received_at       TEXT NOT NULL,
    UNIQUE (patient_id, identifier_system, identifier_value)
);
CREATE INDEX observation_by_patient_code ON observation (patient_id, code, effective_at);
CREATE INDEX observation_by_patient ON observation (patient_id, effective_at);
