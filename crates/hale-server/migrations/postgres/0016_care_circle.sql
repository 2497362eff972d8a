-- The care circle: people who help a patient (FHIR RelatedPerson) and what each may see and do
-- (FHIR Consent). A helper signs in with their own account (`person_id`, a patient login of
-- their own) and, while acting for the patient, their tokens name the RelatedPerson.
CREATE TABLE related_person (
    id         TEXT PRIMARY KEY,
    patient_id TEXT NOT NULL REFERENCES patient (id),
    person_id  TEXT NOT NULL REFERENCES patient (id),
    created_at TEXT NOT NULL,
    UNIQUE (patient_id, person_id),
    CHECK (patient_id <> person_id)
);
CREATE INDEX related_person_by_person ON related_person (person_id);

-- One grant: `permissions` are care circle permission codes separated by spaces; `basis` is
-- 'invited' (the patient chose) or 'guardian' (recorded by the hospital, with the young
-- person's assent date once given). A revoked or ended consent stays, as the record of who
-- could see what and when.
CREATE TABLE consent (
    id                TEXT PRIMARY KEY,
    related_person_id TEXT NOT NULL REFERENCES related_person (id),
    patient_id        TEXT NOT NULL REFERENCES patient (id),
    permissions       TEXT NOT NULL,
    basis             TEXT NOT NULL CHECK (basis IN ('invited', 'guardian')),
    assent_on         TEXT,
    starts_at         TEXT NOT NULL,
    ends_at           TEXT,
    revoked_at        TEXT,
    -- When a new invitation replaced this ended grant (it keeps its own end as the record).
    superseded_at     TEXT,
    created_at        TEXT NOT NULL
);
-- At most one live consent per helper: the one every request is checked against.
CREATE UNIQUE INDEX consent_one_live_per_helper ON consent (related_person_id)
    WHERE revoked_at IS NULL AND superseded_at IS NULL;
CREATE INDEX consent_by_patient ON consent (patient_id);

-- A patient's invitation: the code is stored hashed, works once, for a day.
CREATE TABLE care_invitation (
    code_hash   TEXT PRIMARY KEY,
    patient_id  TEXT NOT NULL REFERENCES patient (id),
    permissions TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    accepted_at TEXT,
    consent_id  TEXT
);
CREATE INDEX care_invitation_by_patient ON care_invitation (patient_id);

-- A token used for someone the signed-in person helps names the RelatedPerson; the sign-in's
-- refresh token remembers whose account it is (`person_id`), so the app can switch between the
-- people that person may act for without signing in again.
ALTER TABLE access_token ADD COLUMN related_person_id TEXT;
ALTER TABLE refresh_token ADD COLUMN person_id TEXT;
ALTER TABLE refresh_token ADD COLUMN related_person_id TEXT;
-- A helper's requests are audited as theirs: audit_event.actor_kind 'related-person', with the
-- RelatedPerson's id as actor_id and the patient as patient_id.
