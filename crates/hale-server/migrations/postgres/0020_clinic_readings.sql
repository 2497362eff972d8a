-- Readings taken at a visit, by clinic staff in the console or by a clinic's own device, name
-- the encounter; a patient's home readings name none. Remote monitoring watches home readings
-- only: at the clinic, staff see what they measure.
ALTER TABLE observation ADD COLUMN encounter_id TEXT REFERENCES encounter (id);
CREATE INDEX observation_by_encounter ON observation (encounter_id) WHERE encounter_id IS NOT NULL;
CREATE INDEX observation_received ON observation (patient_id, received_at);
