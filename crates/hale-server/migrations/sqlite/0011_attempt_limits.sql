-- Attempts at guessing (sign-in passwords, kiosk booking references), counted in the database so
-- that every server instance on it sees one count. Each attempt is reserved here before the
-- password is checked (hale-server's `limits`), so parallel guesses cannot slip past the count.
CREATE TABLE attempt_limit (
    -- `kind:value`, e.g. `account:alex.morgan`, `address:203.0.113.5`, `known:alex.morgan@…`;
    -- values are bounded before they get here.
    key        TEXT PRIMARY KEY,
    attempts   INTEGER NOT NULL,
    last_at    TEXT NOT NULL,
    -- When the row no longer counts and may be deleted.
    expires_at TEXT NOT NULL
);
CREATE INDEX attempt_limit_expiry ON attempt_limit (expires_at);
