-- Booking from the app: a client-chosen request id makes a retried booking return the first
-- result instead of booking twice; slot search walks free slots by time.

ALTER TABLE appointment ADD COLUMN request_id TEXT;
CREATE UNIQUE INDEX appointment_request_once ON appointment (patient_id, request_id)
    WHERE request_id IS NOT NULL;
CREATE INDEX slot_free_by_start ON slot (status, start_at);
