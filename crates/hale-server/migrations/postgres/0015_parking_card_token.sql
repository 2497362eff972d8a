-- The card processor's reusable token for the card that paid for a session, so an extension
-- charges it again without the card number. Only the processor can charge a token; the last
-- four digits are what the patient is shown.
ALTER TABLE parking_session ADD COLUMN card_token TEXT;
ALTER TABLE parking_session ADD COLUMN card_last4 TEXT;
