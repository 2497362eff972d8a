-- The relay reads the outbox in (received_at, key) order, a thousand at a time. The first index
-- ordered by received_at alone, so readings received in the same instant (a device's download
-- handed over in one batch) were sorted anew at every batch: a day of readings took seconds.
DROP INDEX reading_unsynced;
CREATE INDEX reading_unsynced ON reading (hospital, patient_id, received_at, key)
    WHERE synced_at IS NULL;
