-- SMART on FHIR sign-in: the reference server is the app's OAuth2 authorization server.

-- A patient's sign-in name and password, hashed with Argon2id (PHC string).
CREATE TABLE patient_login (
    patient_id    TEXT PRIMARY KEY REFERENCES patient (id),
    username      TEXT NOT NULL UNIQUE COLLATE NOCASE,
    password_hash TEXT NOT NULL
);

-- Registered public clients. Native apps redirect to a loopback port of their choosing
-- (RFC 8252 §7.3), so a client names the path and the server accepts any loopback port.
CREATE TABLE oauth_client (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    redirect_path TEXT NOT NULL,
    scope         TEXT NOT NULL
);

-- One-time codes from the authorize step, stored hashed with their PKCE challenge.
CREATE TABLE authorization_code (
    code_hash      TEXT PRIMARY KEY,
    client_id      TEXT NOT NULL REFERENCES oauth_client (id),
    patient_id     TEXT NOT NULL REFERENCES patient (id),
    redirect_uri   TEXT NOT NULL,
    code_challenge TEXT NOT NULL,
    scope          TEXT NOT NULL,
    expires_at     TEXT NOT NULL,
    -- Set when exchanged; a second exchange revokes the grant (RFC 6749 §4.1.2).
    used_at        TEXT,
    grant_id       TEXT NOT NULL
);

-- Refresh tokens rotate at every use; all tokens of one sign-in share a grant, so a replayed
-- refresh token (or sign-out) revokes the whole grant at once.
CREATE TABLE refresh_token (
    token_hash TEXT PRIMARY KEY,
    grant_id   TEXT NOT NULL,
    client_id  TEXT NOT NULL REFERENCES oauth_client (id),
    patient_id TEXT NOT NULL REFERENCES patient (id),
    scope      TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    rotated_at TEXT
);
CREATE INDEX refresh_token_by_grant ON refresh_token (grant_id);

CREATE TABLE revoked_grant (
    grant_id   TEXT PRIMARY KEY,
    revoked_at TEXT NOT NULL
);

ALTER TABLE access_token ADD COLUMN grant_id TEXT;
CREATE INDEX access_token_by_grant ON access_token (grant_id);

-- Who read or changed which patient's records: one row per authorised request.
CREATE TABLE audit_event (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    recorded_at TEXT NOT NULL,
    -- 'patient' or 'device', and that patient's or device's id.
    actor_kind  TEXT NOT NULL,
    actor_id    TEXT NOT NULL,
    -- The patient whose records were touched, when one is known.
    patient_id  TEXT,
    -- FHIR AuditEvent action: C, R, U, D or E (execute).
    action      TEXT NOT NULL,
    -- The route template, never the raw path: no identifiers beyond the ids above.
    route       TEXT NOT NULL,
    status      INTEGER NOT NULL
);
CREATE INDEX audit_event_by_patient ON audit_event (patient_id, recorded_at);

-- The app's own client row is written at start-up from hale_fhir::smart::APP_SCOPE
-- (oauth::register_app_client), so its scope is spelled in one place.
