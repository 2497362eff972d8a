-- Bluetooth LE devices the patient paired, by Bluetooth address. `last_sequence` is the newest
-- glucose record downloaded from a meter: the next download asks only for records after it.
CREATE TABLE paired_device (
    hospital      TEXT NOT NULL,
    patient_id    TEXT NOT NULL,
    id            TEXT NOT NULL,
    name          TEXT NOT NULL,
    device_type   TEXT NOT NULL,
    paired_at     TEXT NOT NULL,
    last_seen_at  TEXT,
    last_sequence INTEGER,
    PRIMARY KEY (hospital, patient_id, id)
);

-- Readings from those devices, stored before anything else happens to them (never lost while
-- offline). `key` is the reading's stable identity (device + kind + sequence or time); the
-- primary key makes storing a reading twice a no-op. `synced_at` NULL is the relay's outbox.
CREATE TABLE reading (
    hospital       TEXT NOT NULL,
    patient_id     TEXT NOT NULL,
    key            TEXT NOT NULL,
    device         TEXT NOT NULL,
    kind           TEXT NOT NULL,
    effective_at   TEXT NOT NULL,
    device_clock   INTEGER NOT NULL,
    vals           TEXT NOT NULL,
    interpretation TEXT,
    received_at    TEXT NOT NULL,
    synced_at      TEXT,
    PRIMARY KEY (hospital, patient_id, key)
);
CREATE INDEX reading_by_kind ON reading (hospital, patient_id, kind, effective_at);
CREATE INDEX reading_unsynced ON reading (hospital, patient_id, received_at) WHERE synced_at IS NULL;

-- The patient's alert thresholds (hale_domain Thresholds as JSON); absent means the defaults.
CREATE TABLE alert_thresholds (
    hospital   TEXT NOT NULL,
    patient_id TEXT NOT NULL,
    body       TEXT NOT NULL,
    PRIMARY KEY (hospital, patient_id)
);
