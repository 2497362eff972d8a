-- The care team: people who sign in to the console, each in one team, and the teams' patients.

CREATE TABLE care_team (
    id   TEXT PRIMARY KEY,
    name TEXT NOT NULL
);

-- A person, not a shared secret. The password is Argon2id (PHC string), as for patients.
CREATE TABLE staff (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('clinician', 'nurse', 'admin')),
    team_id       TEXT NOT NULL REFERENCES care_team (id),
    -- Told when a red alert goes unacknowledged (escalation).
    on_call       INTEGER NOT NULL DEFAULT 0,
    username      TEXT NOT NULL UNIQUE COLLATE NOCASE,
    password_hash TEXT NOT NULL
);

-- A console sign-in: the cookie's value is stored hashed; every form carries the CSRF token.
CREATE TABLE staff_session (
    token_hash TEXT PRIMARY KEY,
    staff_id   TEXT NOT NULL REFERENCES staff (id),
    csrf       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);

-- Reading a patient outside one's team ("break glass"): a stated reason, for a limited time,
-- shown to the team's admin.
CREATE TABLE break_glass (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    staff_id   TEXT NOT NULL REFERENCES staff (id),
    patient_id TEXT NOT NULL REFERENCES patient (id),
    reason     TEXT NOT NULL,
    granted_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX break_glass_by_staff ON break_glass (staff_id, patient_id, expires_at);

-- 'staff' joins 'patient' and 'device' as an audited actor; a break-glass read names its reason.
ALTER TABLE audit_event ADD COLUMN reason TEXT;
CREATE INDEX audit_event_by_actor ON audit_event (actor_kind, actor_id, recorded_at);
