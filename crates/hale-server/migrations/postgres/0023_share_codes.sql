-- Share codes: the patient lets a clinician elsewhere read their summary in a browser for a day,
-- with the patient's date of birth as a second factor. Only hashes are kept: of the code, and of
-- the one browser session it opened (a code opens one session, once).
CREATE TABLE share_code (
    id TEXT PRIMARY KEY,
    code_hash TEXT NOT NULL UNIQUE,
    patient_id TEXT NOT NULL REFERENCES patient (id),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    revoked_at TEXT,
    opened_at TEXT,
    session_hash TEXT UNIQUE
);
CREATE INDEX share_code_by_patient ON share_code (patient_id, created_at);

-- Each time a shared summary was shown, for the patient to see.
CREATE TABLE share_view (
    share_id TEXT NOT NULL REFERENCES share_code (id),
    viewed_at TEXT NOT NULL
);
CREATE INDEX share_view_by_share ON share_view (share_id, viewed_at);
