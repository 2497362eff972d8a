-- Readings the clinic took at a visit, copied from the hospital beside the patient's own: they
-- name their encounter (NULL for a home reading) and are stored already synced, since they came
-- from the hospital and are never relayed back.
ALTER TABLE reading ADD COLUMN encounter TEXT;
