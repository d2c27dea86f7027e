-- The server's clock opens last month's report of every estate as a draft once the month is
-- over, so the list of reports shows it before anyone has written a word: such a row was
-- saved by no person, so `updated_by` may be empty (NULL) until someone saves it.
ALTER TABLE monthly_reports ALTER COLUMN updated_by DROP NOT NULL;
