-- Arrival: check-in opens an Encounter; each clinic's queue is its encounters not yet called.

CREATE TABLE encounter (
    id             TEXT PRIMARY KEY,
    -- NULL only for the demo day's simulated visitors, who have no record here.
    appointment_id TEXT REFERENCES appointment (id),
    clinic_id      TEXT NOT NULL REFERENCES clinic (id),
    scheduled_at   TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('arrived', 'in-progress', 'finished', 'cancelled')),
    arrived_at     TEXT NOT NULL,
    called_at      TEXT,
    room           TEXT,
    finished_at    TEXT,
    -- How the patient checked in: app, kiosk, or the demo simulation.
    source         TEXT NOT NULL CHECK (source IN ('app', 'kiosk', 'simulation'))
);
-- Checking in twice opens one encounter.
CREATE UNIQUE INDEX encounter_one_per_appointment ON encounter (appointment_id)
    WHERE appointment_id IS NOT NULL;
CREATE INDEX encounter_by_clinic_status ON encounter (clinic_id, status);
CREATE INDEX encounter_finished ON encounter (clinic_id, finished_at);

-- Devices (kiosks, staff consoles) sign in with OAuth2 client credentials and get a token whose
-- scope allows only their job. Secrets and tokens are stored as SHA-256 hashes.
CREATE TABLE device (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    secret_hash TEXT NOT NULL,
    scope       TEXT NOT NULL
);

CREATE TABLE device_token (
    token_hash TEXT PRIMARY KEY,
    device_id  TEXT NOT NULL REFERENCES device (id),
    scope      TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
