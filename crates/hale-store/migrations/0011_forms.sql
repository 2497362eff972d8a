-- The form the hospital asks before each appointment (its Questionnaire id).
ALTER TABLE appointment ADD COLUMN form TEXT;

-- A pre-visit form being filled in, one per appointment: the form as it was when the patient
-- began (hale_domain's Form as JSON), the answers so far (its Response as JSON), and the key the
-- hospital stores the answers under. `submitted_at` set: the patient sent it and it no longer
-- changes; `synced_at` NULL after that: the hospital has not confirmed it yet (the outbox). A draft
-- outlives the appointment's copy, so answers given offline are never lost to a refresh.
CREATE TABLE form_draft (
    hospital       TEXT NOT NULL,
    patient_id     TEXT NOT NULL,
    appointment_id TEXT NOT NULL,
    form           TEXT NOT NULL,
    answers        TEXT NOT NULL,
    response_key   TEXT NOT NULL,
    started_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    submitted_at   TEXT,
    synced_at      TEXT,
    -- The hospital refused the answers for good (the form or the appointment changed): they
    -- leave the outbox, and the screen says so.
    refused_at     TEXT,
    PRIMARY KEY (hospital, patient_id, appointment_id)
);
CREATE INDEX form_draft_unsent ON form_draft (hospital, patient_id)
    WHERE submitted_at IS NOT NULL AND synced_at IS NULL AND refused_at IS NULL;
