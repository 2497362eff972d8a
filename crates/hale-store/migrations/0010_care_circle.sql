-- A helper acting for someone: the profile's patient is then the person they look after.
-- `self_id` is the signed-in person's own patient id (to switch back to), and `helping` lists
-- what the patient's consent allows them (permission codes, space-separated); NULL `helping`
-- means the screens show the signed-in person's own records.
ALTER TABLE profile ADD COLUMN self_id TEXT;
ALTER TABLE profile ADD COLUMN helping TEXT;
