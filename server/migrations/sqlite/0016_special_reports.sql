-- Major customer events' special reports (C-6 [000 4.3.4]): one per order — description,
-- cause, responsibility, corrective and preventive measures, the people involved — with the
-- C-6 triggers the order met when it was saved (JSON list of ids), who saved it and when.
-- The timeline is not stored: it is drawn from the order's events. Keyed by estate first, as
-- every table a distributed database would shard by estate.
CREATE TABLE special_reports (
    estate_id TEXT NOT NULL REFERENCES estates(id),
    order_id TEXT NOT NULL,
    description TEXT NOT NULL,
    cause TEXT NOT NULL,
    responsibility TEXT NOT NULL,
    corrective TEXT NOT NULL,
    preventive TEXT NOT NULL,
    people TEXT NOT NULL,
    triggers TEXT NOT NULL,
    saved_by TEXT NOT NULL,
    saved_ms BIGINT NOT NULL,
    PRIMARY KEY (estate_id, order_id)
);
CREATE INDEX special_reports_by_time ON special_reports (estate_id, saved_ms);
