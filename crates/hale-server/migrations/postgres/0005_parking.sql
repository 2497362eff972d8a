-- Parking: car parks with their tariffs (JSON, see hale_domain::parking::Tariff), prepaid
-- sessions, payments with idempotency keys, and concession decisions with their reasons.

CREATE TABLE car_park (
    id       TEXT PRIMARY KEY,
    name     TEXT NOT NULL,
    location TEXT NOT NULL,
    capacity BIGINT NOT NULL CHECK (capacity >= 0),
    tariff   TEXT NOT NULL
);

CREATE TABLE car_park_clinic (
    car_park_id TEXT NOT NULL REFERENCES car_park (id),
    clinic_id   TEXT NOT NULL REFERENCES clinic (id),
    PRIMARY KEY (car_park_id, clinic_id)
);

CREATE TABLE parking_session (
    id           TEXT PRIMARY KEY,
    patient_id   TEXT NOT NULL REFERENCES patient (id),
    car_park_id  TEXT NOT NULL REFERENCES car_park (id),
    registration TEXT NOT NULL,
    started_at   TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    ended_at     TEXT,
    relief       TEXT,
    paid_pence   BIGINT NOT NULL
);
CREATE INDEX parking_session_by_car_park ON parking_session (car_park_id, ended_at, expires_at);
CREATE INDEX parking_session_by_patient ON parking_session (patient_id, started_at);

-- One row per payment decision: the (patient, key) pair is unique, so a retried or repeated
-- request finds the first attempt's row and never charges again.
CREATE TABLE payment (
    id              TEXT PRIMARY KEY,
    patient_id      TEXT NOT NULL REFERENCES patient (id),
    idempotency_key TEXT NOT NULL,
    session_id      TEXT REFERENCES parking_session (id),
    purpose         TEXT NOT NULL CHECK (purpose IN ('start', 'extend')),
    minutes         BIGINT NOT NULL,
    amount_pence    BIGINT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('approved', 'declined')),
    decline_code    TEXT,
    card_last4      TEXT NOT NULL,
    receipt_number  TEXT UNIQUE,
    created_at      TEXT NOT NULL,
    UNIQUE (patient_id, idempotency_key)
);

CREATE TABLE concession (
    id         TEXT PRIMARY KEY,
    patient_id TEXT NOT NULL REFERENCES patient (id),
    kind       TEXT NOT NULL,
    status     TEXT NOT NULL CHECK (status IN ('approved', 'refused')),
    relief     TEXT,
    reason     TEXT NOT NULL,
    decided_at TEXT NOT NULL
);

-- Children staying in hospital, by the parent's patient record (for the parent concession).
CREATE TABLE child_admission (
    parent_patient_id TEXT NOT NULL REFERENCES patient (id),
    admitted_at       TEXT NOT NULL,
    discharged_at     TEXT
);
