-- Medicines. A prescription is a FHIR MedicationRequest; its dosage is kept as the FHIR Dosage
-- JSON it was written in, because Timing has more shape than columns would hold honestly.
CREATE TABLE medication_request (
    id                TEXT PRIMARY KEY,
    patient_id        TEXT NOT NULL REFERENCES patient (id),
    status            TEXT NOT NULL
        CHECK (status IN ('active', 'on-hold', 'completed', 'stopped', 'cancelled')),
    medication        TEXT NOT NULL,
    authored_on       TEXT NOT NULL,
    requester_id      TEXT REFERENCES practitioner (id),
    dosage            TEXT NOT NULL,
    dispense_quantity REAL,
    dispense_unit     TEXT
);
CREATE INDEX medication_request_by_patient ON medication_request (patient_id, status);

-- The patient's dose records (MedicationAdministration), stored as received. The identifier is
-- the dose's name (medicine + slot): a record sent twice is stored once, enforced here.
CREATE TABLE medication_administration (
    id                TEXT PRIMARY KEY,
    patient_id        TEXT NOT NULL REFERENCES patient (id),
    identifier_system TEXT NOT NULL,
    identifier_value  TEXT NOT NULL,
    request_id        TEXT REFERENCES medication_request (id),
    status            TEXT NOT NULL CHECK (status IN ('completed', 'not-done')),
    effective_at      TEXT NOT NULL,
    resource          TEXT NOT NULL,
    received_at       TEXT NOT NULL,
    UNIQUE (patient_id, identifier_system, identifier_value)
);
CREATE INDEX medication_administration_by_patient
    ON medication_administration (patient_id, effective_at);
