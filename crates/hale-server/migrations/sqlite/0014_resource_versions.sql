-- Every change to an appointment or an encounter makes a new version (FHIR meta.versionId, the
-- ETag), stamped with when it was made (meta.lastUpdated). Earlier versions are not kept: the
-- current one is readable at [type]/[id]/_history/[vid].
ALTER TABLE appointment ADD COLUMN version_id INTEGER NOT NULL DEFAULT 1;
ALTER TABLE appointment ADD COLUMN last_updated TEXT;
UPDATE appointment SET last_updated = created_at;

ALTER TABLE encounter ADD COLUMN version_id INTEGER NOT NULL DEFAULT 1;
ALTER TABLE encounter ADD COLUMN last_updated TEXT;
UPDATE encounter SET last_updated = COALESCE(finished_at, called_at, arrived_at);

-- Readings and dose records never change once stored: version 1, from when they arrived. Those
-- stored before meta was written get it now.
UPDATE observation SET resource = json_set(resource, '$.meta',
    json_object('versionId', '1', 'lastUpdated', received_at))
    WHERE json_extract(resource, '$.meta') IS NULL;
UPDATE medication_administration SET resource = json_set(resource, '$.meta',
    json_object('versionId', '1', 'lastUpdated', received_at))
    WHERE json_extract(resource, '$.meta') IS NULL;
