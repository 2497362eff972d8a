-- Remote monitoring: each enrolled patient's plan, the alerts the hospital raises on their
-- readings and doses, the care team's worklist (FHIR Task) and messages (FHIR Communication).

-- One plan per patient, kept by one care team. `plan` is hale_domain's MonitoringPlan as JSON
-- (measurements at local times, red and amber limits, trend rules); FHIR readers get it as a
-- CarePlan with Goals (hale_fhir::care_plan). Unenrolling ends the plan; the row stays.
CREATE TABLE monitoring_plan (
    patient_id  TEXT PRIMARY KEY REFERENCES patient (id),
    id          TEXT NOT NULL UNIQUE,
    team_id     TEXT NOT NULL REFERENCES care_team (id),
    plan        TEXT NOT NULL,
    enrolled_at TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    updated_by  TEXT REFERENCES staff (id),
    ended_at    TEXT
);
CREATE INDEX monitoring_plan_by_team ON monitoring_plan (team_id, ended_at);

-- An alert is one episode of one rule for one patient: open while the condition holds, cleared
-- ("all clear") when it ends. At most one open episode per patient and rule, enforced here, so
-- two server instances that decide the same alert at once raise it once.
CREATE TABLE alert (
    id          TEXT PRIMARY KEY,
    patient_id  TEXT NOT NULL REFERENCES patient (id),
    rule_key    TEXT NOT NULL,
    tier        TEXT NOT NULL CHECK (tier IN ('amber', 'red')),
    status      TEXT NOT NULL CHECK (status IN ('open', 'cleared')),
    -- What the care team reads: "Blood pressure 185/125 mmHg". Never logged.
    detail      TEXT NOT NULL,
    raised_at   TEXT NOT NULL,
    red_since   TEXT,
    escalated_at TEXT,
    cleared_at  TEXT
);
CREATE UNIQUE INDEX alert_one_open_episode ON alert (patient_id, rule_key) WHERE status = 'open';
CREATE INDEX alert_by_patient ON alert (patient_id, raised_at);

-- The worklist: one Task per alert, requested → accepted (acknowledged) → completed (resolved
-- with an outcome). It stays on the worklist after its alert clears, until someone resolves it.
CREATE TABLE task (
    id              TEXT PRIMARY KEY,
    alert_id        TEXT NOT NULL UNIQUE REFERENCES alert (id),
    patient_id      TEXT NOT NULL REFERENCES patient (id),
    status          TEXT NOT NULL CHECK (status IN ('requested', 'accepted', 'completed')),
    priority        TEXT NOT NULL CHECK (priority IN ('routine', 'urgent', 'asap', 'stat')),
    owner_id        TEXT REFERENCES staff (id),
    acknowledged_at TEXT,
    acknowledged_by TEXT REFERENCES staff (id),
    outcome         TEXT,
    completed_at    TEXT,
    updated_at      TEXT NOT NULL
);
CREATE INDEX task_by_patient ON task (patient_id, status);

CREATE TABLE task_note (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    task_id    TEXT NOT NULL REFERENCES task (id),
    staff_id   TEXT NOT NULL REFERENCES staff (id),
    text       TEXT NOT NULL,
    written_at TEXT NOT NULL
);
CREATE INDEX task_note_by_task ON task_note (task_id, written_at);

-- Messages from the care team to the patient (FHIR Communication).
CREATE TABLE communication (
    id         TEXT PRIMARY KEY,
    patient_id TEXT NOT NULL REFERENCES patient (id),
    sender_id  TEXT NOT NULL REFERENCES staff (id),
    task_id    TEXT REFERENCES task (id),
    text       TEXT NOT NULL,
    sent_at    TEXT NOT NULL
);
CREATE INDEX communication_by_patient ON communication (patient_id, sent_at);

-- Which device took a reading, so the hospital notices one that goes quiet.
ALTER TABLE observation ADD COLUMN device_id TEXT;
