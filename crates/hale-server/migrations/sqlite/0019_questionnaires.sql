-- Pre-visit forms. A form with a specialty is asked before that specialty's appointments; the
-- one without is asked before every other appointment. The resource is the Questionnaire as
-- served.
CREATE TABLE questionnaire (
    id TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    version TEXT NOT NULL,
    specialty_code TEXT,
    resource TEXT NOT NULL,
    UNIQUE (url, version)
);

-- The patients' answers, stored once per key the app made (a conditional create).
CREATE TABLE questionnaire_response (
    id TEXT PRIMARY KEY,
    patient_id TEXT NOT NULL REFERENCES patient (id),
    identifier_system TEXT NOT NULL,
    identifier_value TEXT NOT NULL,
    questionnaire_id TEXT NOT NULL REFERENCES questionnaire (id),
    appointment_id TEXT REFERENCES appointment (id),
    authored_at TEXT NOT NULL,
    received_at TEXT NOT NULL,
    resource TEXT NOT NULL,
    UNIQUE (patient_id, identifier_system, identifier_value)
);
CREATE INDEX questionnaire_response_by_appointment
    ON questionnaire_response (patient_id, appointment_id);

-- What the hospital recorded a patient to be allergic or intolerant to.
CREATE TABLE allergy (
    id TEXT PRIMARY KEY,
    patient_id TEXT NOT NULL REFERENCES patient (id),
    substance_system TEXT NOT NULL,
    substance_code TEXT NOT NULL,
    substance TEXT NOT NULL,
    -- allergy | intolerance
    kind TEXT NOT NULL,
    -- low | high | unable-to-assess
    criticality TEXT NOT NULL,
    reaction TEXT,
    recorded_on TEXT NOT NULL
);
CREATE INDEX allergy_by_patient ON allergy (patient_id);
