-- The copy of the patient's parking in typed rows, like appointments and medicines, in place of
-- the hospital's JSON. The old copy is dropped rather than read: it is only a copy, and the next
-- live refresh rebuilds it.
DROP TABLE parking_copy;

CREATE TABLE parking_session (
    hospital      TEXT NOT NULL,
    patient_id    TEXT NOT NULL,
    id            TEXT NOT NULL,
    car_park      TEXT NOT NULL,
    car_park_name TEXT NOT NULL,
    registration  TEXT NOT NULL,
    started       TEXT NOT NULL,
    expires       TEXT NOT NULL,
    ended         TEXT,
    paid_pence    INTEGER NOT NULL CHECK (paid_pence >= 0),
    -- The concession applied: 'free', 'percent_off' (amount = percent) or 'daily_cap' (pence).
    relief_kind   TEXT CHECK (relief_kind IN ('free', 'percent_off', 'daily_cap')),
    relief_amount INTEGER,
    PRIMARY KEY (hospital, patient_id, id)
);

CREATE TABLE parking_receipt (
    hospital     TEXT NOT NULL,
    patient_id   TEXT NOT NULL,
    session_id   TEXT NOT NULL,
    id           TEXT NOT NULL,
    number       TEXT NOT NULL,
    purpose      TEXT NOT NULL CHECK (purpose IN ('start', 'extend')),
    minutes      INTEGER NOT NULL CHECK (minutes >= 0),
    amount_pence INTEGER NOT NULL CHECK (amount_pence >= 0),
    card_last4   TEXT NOT NULL,
    created      TEXT NOT NULL,
    PRIMARY KEY (hospital, patient_id, id),
    FOREIGN KEY (hospital, patient_id, session_id)
        REFERENCES parking_session (hospital, patient_id, id) ON DELETE CASCADE
);
