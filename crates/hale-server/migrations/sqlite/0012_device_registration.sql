-- A device's registration can be revoked (a kiosk stolen, a secret leaked): its tokens stop
-- working at once, since every device token is checked against its device's row.
-- `secret_hash` now holds an Argon2id PHC string; SHA-256 digests from before are upgraded on
-- the device's next sign-in.
ALTER TABLE device ADD COLUMN revoked_at TEXT;
