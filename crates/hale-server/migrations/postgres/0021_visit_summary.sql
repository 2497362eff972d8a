-- What a visit left behind, for its summary: the prescriptions written at it (a changed dose is a
-- new prescription naming the one it replaces, which stops) and the next steps the clinician
-- wrote (a message naming the encounter). Staff write both in the console: the member of staff
-- who prescribed is named, as console staff are not practitioners of the directory. Each
-- console form carries a key, so a form sent twice writes once.
ALTER TABLE medication_request ADD COLUMN encounter_id TEXT REFERENCES encounter (id);
ALTER TABLE medication_request ADD COLUMN prior_id TEXT REFERENCES medication_request (id);
ALTER TABLE medication_request ADD COLUMN prescriber_staff_id TEXT REFERENCES staff (id);
ALTER TABLE medication_request ADD COLUMN form_key TEXT;
CREATE UNIQUE INDEX medication_request_form_key ON medication_request (patient_id, form_key)
    WHERE form_key IS NOT NULL;
CREATE INDEX medication_request_by_encounter ON medication_request (encounter_id)
    WHERE encounter_id IS NOT NULL;

ALTER TABLE communication ADD COLUMN encounter_id TEXT REFERENCES encounter (id);
ALTER TABLE communication ADD COLUMN form_key TEXT;
CREATE UNIQUE INDEX communication_form_key ON communication (patient_id, form_key)
    WHERE form_key IS NOT NULL;
CREATE INDEX communication_by_encounter ON communication (encounter_id)
    WHERE encounter_id IS NOT NULL;
