-- A kiosk that has just checked someone in may offer them their appointment's pre-visit form.
-- The grant it is given names the appointment and that kiosk, lasts a short while, and is spent
-- by the one response sent with it. Only its hash is kept, as for every token.
CREATE TABLE kiosk_form_grant (
    token_hash TEXT PRIMARY KEY,
    device_id TEXT NOT NULL,
    appointment_id TEXT NOT NULL REFERENCES appointment (id),
    patient_id TEXT NOT NULL REFERENCES patient (id),
    questionnaire_id TEXT NOT NULL REFERENCES questionnaire (id),
    expires_at TEXT NOT NULL,
    response_id TEXT REFERENCES questionnaire_response (id)
);

-- One response per appointment, from the app or a kiosk: looked up by appointment alone.
CREATE INDEX questionnaire_response_by_appointment_alone ON questionnaire_response (appointment_id);
