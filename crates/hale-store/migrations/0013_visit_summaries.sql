-- The summary of each past visit as last read from the hospital (hale_domain's VisitSummary as
-- JSON), so it opens without the network. Replaced whole at each read: the hospital's records
-- are the truth, this is a copy.
CREATE TABLE visit_summary (
    hospital       TEXT NOT NULL,
    patient_id     TEXT NOT NULL,
    appointment_id TEXT NOT NULL,
    summary        TEXT NOT NULL,
    fetched_at     TEXT NOT NULL,
    PRIMARY KEY (hospital, patient_id, appointment_id)
);
