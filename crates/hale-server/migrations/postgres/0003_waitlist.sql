-- The earlier-slot waitlist. An entry asks for an earlier time for one booked appointment; an
-- offer holds one freed slot for one entry until it expires. A held slot has status
-- 'busy-tentative', so nobody else can book it while the offer is open.

CREATE TABLE waitlist_entry (
    id             TEXT PRIMARY KEY,
    appointment_id TEXT NOT NULL REFERENCES appointment (id),
    not_before     TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('waiting', 'fulfilled', 'withdrawn'))
);
-- One waiting entry per appointment; asking twice returns the first.
CREATE UNIQUE INDEX waitlist_one_waiting_per_appointment ON waitlist_entry (appointment_id)
    WHERE status = 'waiting';
CREATE INDEX waitlist_waiting_by_age ON waitlist_entry (status, created_at);

CREATE TABLE waitlist_offer (
    id         TEXT PRIMARY KEY,
    entry_id   TEXT NOT NULL REFERENCES waitlist_entry (id),
    slot_id    TEXT NOT NULL REFERENCES slot (id),
    offered_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    status     TEXT NOT NULL CHECK (status IN ('open', 'accepted', 'declined', 'expired', 'withdrawn'))
);
-- A slot is held for at most one patient, and a patient holds at most one offer at a time.
CREATE UNIQUE INDEX waitlist_offer_one_open_per_slot ON waitlist_offer (slot_id) WHERE status = 'open';
CREATE UNIQUE INDEX waitlist_offer_one_open_per_entry ON waitlist_offer (entry_id) WHERE status = 'open';
-- A slot is offered to an entry at most once: declined or let lapse, it goes to someone else.
CREATE UNIQUE INDEX waitlist_offer_once_per_entry_and_slot ON waitlist_offer (entry_id, slot_id);
CREATE INDEX waitlist_offer_open_by_expiry ON waitlist_offer (status, expires_at);
