-- What the hospital offers patients in the app, as feature codes separated by spaces (read from
-- its CapabilityStatement at each sign-in), so that screens say so even offline. NULL: not read
-- yet, which a profile from an earlier version is; the app then assumes everything, as it did.
ALTER TABLE profile ADD COLUMN offers TEXT;
