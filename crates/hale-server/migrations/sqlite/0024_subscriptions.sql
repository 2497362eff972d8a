-- Subscriptions (the R4 Subscriptions Backport): a registered system is told of changes as they
-- commit, over its rest-hook. Channel headers can hold the receiver's credentials; the database
-- is encrypted at rest (SQLCipher, or the hospital's PostgreSQL storage).
CREATE TABLE subscription (
    id                 TEXT PRIMARY KEY,
    device_id          TEXT NOT NULL REFERENCES device (id),
    -- The FHIR base the subscriber reached this server at: notifications refer to it.
    base               TEXT NOT NULL,
    topic              TEXT NOT NULL,
    filter             TEXT NOT NULL,
    endpoint           TEXT NOT NULL,
    -- JSON: [[name, value], ...]
    headers            TEXT NOT NULL,
    content            TEXT NOT NULL CHECK (content IN ('empty', 'id-only', 'full-resource')),
    heartbeat_seconds  INTEGER,
    timeout_seconds    INTEGER NOT NULL,
    max_count          INTEGER NOT NULL,
    end_at             TEXT,
    reason             TEXT NOT NULL,
    status             TEXT NOT NULL CHECK (status IN ('requested', 'active', 'error', 'off')),
    -- Why delivery is failing, while it is.
    error              TEXT,
    -- 1 once the receiver answered the handshake.
    handshake_done     INTEGER NOT NULL DEFAULT 0,
    -- Events matched to the subscription so far: the last event's number.
    events_since_start INTEGER NOT NULL DEFAULT 0,
    -- The last event number the receiver acknowledged.
    delivered_through  INTEGER NOT NULL DEFAULT 0,
    -- Failed attempts in a row, and when the next may be made.
    failures           INTEGER NOT NULL DEFAULT 0,
    next_attempt_at    TEXT,
    -- When the receiver last accepted a notification (heartbeats count from it).
    last_sent_at       TEXT,
    -- One server instance delivers a subscription at a time, until this instant.
    lease_owner        TEXT,
    lease_until        TEXT,
    created_at         TEXT NOT NULL
);
CREATE INDEX subscription_by_status ON subscription (status);
CREATE INDEX subscription_by_device ON subscription (device_id);

-- Each subscription's events, numbered from 1 in the order they were matched; kept after
-- delivery for $events, until pruned.
CREATE TABLE subscription_event (
    subscription_id TEXT NOT NULL REFERENCES subscription (id),
    number          INTEGER NOT NULL,
    resource_type   TEXT NOT NULL,
    resource_id     TEXT NOT NULL,
    patient_id      TEXT NOT NULL,
    action          TEXT NOT NULL CHECK (action IN ('create', 'update')),
    occurred_at     TEXT NOT NULL,
    PRIMARY KEY (subscription_id, number)
);
CREATE INDEX subscription_event_by_time ON subscription_event (occurred_at);

-- Changes to subscribable resources, written by the triggers below in the transaction that
-- makes the change (so none is lost, and none is written for a change rolled back), while any
-- subscription is live; the delivery task matches each to the subscriptions and deletes it.
CREATE TABLE resource_event (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    topic         TEXT NOT NULL,
    resource_type TEXT NOT NULL,
    resource_id   TEXT NOT NULL,
    patient_id    TEXT NOT NULL,
    status        TEXT,
    action        TEXT NOT NULL,
    occurred_at   TEXT NOT NULL
);

CREATE TRIGGER appointment_created_event AFTER INSERT ON appointment
WHEN EXISTS (SELECT 1 FROM subscription WHERE status <> 'off')
BEGIN
    INSERT INTO resource_event (topic, resource_type, resource_id, patient_id, status, action, occurred_at)
    VALUES ('appointment', 'Appointment', NEW.id, NEW.patient_id, NEW.status, 'create',
            strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now'));
END;

-- Cancelled, arrived, …, or moved to another slot (rescheduled, or an earlier time accepted).
CREATE TRIGGER appointment_changed_event AFTER UPDATE OF status, slot_id ON appointment
WHEN (NEW.status IS NOT OLD.status OR NEW.slot_id IS NOT OLD.slot_id)
    AND EXISTS (SELECT 1 FROM subscription WHERE status <> 'off')
BEGIN
    INSERT INTO resource_event (topic, resource_type, resource_id, patient_id, status, action, occurred_at)
    VALUES ('appointment', 'Appointment', NEW.id, NEW.patient_id, NEW.status, 'update',
            strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now'));
END;

CREATE TRIGGER observation_created_event AFTER INSERT ON observation
WHEN EXISTS (SELECT 1 FROM subscription WHERE status <> 'off')
BEGIN
    INSERT INTO resource_event (topic, resource_type, resource_id, patient_id, status, action, occurred_at)
    VALUES ('observation', 'Observation', NEW.id, NEW.patient_id, NULL, 'create',
            strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now'));
END;

CREATE TRIGGER questionnaire_response_created_event AFTER INSERT ON questionnaire_response
WHEN EXISTS (SELECT 1 FROM subscription WHERE status <> 'off')
BEGIN
    INSERT INTO resource_event (topic, resource_type, resource_id, patient_id, status, action, occurred_at)
    VALUES ('questionnaire-response', 'QuestionnaireResponse', NEW.id, NEW.patient_id, NULL, 'create',
            strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now'));
END;

CREATE TRIGGER task_created_event AFTER INSERT ON task
WHEN EXISTS (SELECT 1 FROM subscription WHERE status <> 'off')
BEGIN
    INSERT INTO resource_event (topic, resource_type, resource_id, patient_id, status, action, occurred_at)
    VALUES ('monitoring-alert', 'Task', NEW.id, NEW.patient_id, NEW.status, 'create',
            strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now'));
END;

CREATE TRIGGER task_status_event AFTER UPDATE OF status ON task
WHEN NEW.status IS NOT OLD.status
    AND EXISTS (SELECT 1 FROM subscription WHERE status <> 'off')
BEGIN
    INSERT INTO resource_event (topic, resource_type, resource_id, patient_id, status, action, occurred_at)
    VALUES ('monitoring-alert', 'Task', NEW.id, NEW.patient_id, NEW.status, 'update',
            strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now'));
END;
