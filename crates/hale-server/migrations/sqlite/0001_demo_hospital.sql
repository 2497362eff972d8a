-- The reference hospital's schema: who, where, when. Times are UTC RFC 3339 text.

CREATE TABLE hospital (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    name     TEXT NOT NULL,
    timezone TEXT NOT NULL
);

CREATE TABLE clinic (
    id             TEXT PRIMARY KEY,
    name           TEXT NOT NULL,
    specialty_code TEXT NOT NULL,   -- SNOMED CT, as FHIR serviceType codes it
    location       TEXT NOT NULL
);

CREATE TABLE practitioner (
    id        TEXT PRIMARY KEY,
    name      TEXT NOT NULL,
    clinic_id TEXT NOT NULL REFERENCES clinic (id)
);

CREATE TABLE schedule (
    id              TEXT PRIMARY KEY,
    practitioner_id TEXT NOT NULL REFERENCES practitioner (id),
    clinic_id       TEXT NOT NULL REFERENCES clinic (id)
);

CREATE TABLE slot (
    id          TEXT PRIMARY KEY,
    schedule_id TEXT NOT NULL REFERENCES schedule (id),
    start_at    TEXT NOT NULL,
    end_at      TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('free', 'busy', 'busy-unavailable', 'busy-tentative', 'entered-in-error')),
    UNIQUE (schedule_id, start_at)
);
CREATE INDEX slot_by_start ON slot (start_at);

CREATE TABLE patient (
    id         TEXT PRIMARY KEY,
    mrn        TEXT NOT NULL UNIQUE,
    given      TEXT NOT NULL,
    family     TEXT NOT NULL,
    birth_date TEXT NOT NULL
);

CREATE TABLE appointment (
    id                TEXT PRIMARY KEY,
    patient_id        TEXT NOT NULL REFERENCES patient (id),
    slot_id           TEXT NOT NULL REFERENCES slot (id),
    status            TEXT NOT NULL,
    booking_reference TEXT NOT NULL UNIQUE,
    created_at        TEXT NOT NULL
);
CREATE INDEX appointment_by_patient ON appointment (patient_id);
-- A slot holds at most one live appointment: the database, not only the code, forbids double booking.
CREATE UNIQUE INDEX appointment_one_live_per_slot ON appointment (slot_id)
    WHERE status NOT IN ('cancelled', 'entered-in-error', 'noshow');

-- Bearer tokens are stored as SHA-256 hashes: a copy of this table grants nothing.
CREATE TABLE access_token (
    token_hash TEXT PRIMARY KEY,
    patient_id TEXT NOT NULL REFERENCES patient (id),
    scope      TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
