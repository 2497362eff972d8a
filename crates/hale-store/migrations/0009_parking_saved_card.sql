-- The last four digits of the card the hospital's processor holds a token for, per session, so
-- the app can offer "Pay with card ending 4242" for an extension. The token stays at the
-- hospital; the app never has it.
ALTER TABLE parking_session ADD COLUMN saved_card_last4 TEXT;
