-- The server's clock opens last month's report of every estate as a draft once the month is
-- over, so the list of reports shows it before anyone has written a word: such a row was
-- saved by no person, so `updated_by` may be empty (NULL) until someone saves it. SQLite
-- cannot drop a NOT NULL in place: the table is made again with the same rows.
CREATE TABLE monthly_reports_next (
    estate_id TEXT NOT NULL REFERENCES estates(id),
    -- `2026-03`.
    month TEXT NOT NULL,
    analysis TEXT NOT NULL,
    measures TEXT NOT NULL,
    -- `draft` or `submitted`.
    status TEXT NOT NULL,
    -- NULL for a draft the clock opened and nobody has saved.
    updated_by TEXT REFERENCES staff(id),
    updated_ms BIGINT NOT NULL,
    PRIMARY KEY (estate_id, month)
);
INSERT INTO monthly_reports_next (estate_id, month, analysis, measures, status, updated_by, updated_ms)
    SELECT estate_id, month, analysis, measures, status, updated_by, updated_ms FROM monthly_reports;
DROP TABLE monthly_reports;
ALTER TABLE monthly_reports_next RENAME TO monthly_reports;
