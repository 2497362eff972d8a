-- Concessions are checked against the hospital's own records, at every use.

-- The blue badges the hospital knows (entered by staff from the council's register): a badge
-- counts only when its number is here and not expired. Numbers are kept upper case without
-- spaces.
CREATE TABLE blue_badge (
    number      TEXT PRIMARY KEY,
    valid_until TEXT NOT NULL
);

-- The badge an approved blue-badge concession rests on, checked again whenever it is used.
ALTER TABLE concession ADD COLUMN badge_number TEXT;
