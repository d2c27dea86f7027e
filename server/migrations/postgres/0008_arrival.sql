-- A sync key belongs to the staff member who pushed under it, in one estate: a colleague who
-- pushes under another tablet's device id at its next device_seq takes none of that tablet's
-- keys, so the tablet's own event is not refused later as a reused key.
ALTER TABLE events DROP CONSTRAINT events_device_id_device_seq_key;
ALTER TABLE events ADD CONSTRAINT events_key UNIQUE (estate_id, device_id, actor, device_seq);

-- Each estate's reference numbers count per day (20261207-0001, -0002, …) instead of following
-- the event sequence, which made them skip. Carried on from the numbers already given.
CREATE TABLE order_counters (
    estate_id TEXT NOT NULL REFERENCES estates(id),
    day TEXT NOT NULL,
    last BIGINT NOT NULL,
    PRIMARY KEY (estate_id, day)
);
INSERT INTO order_counters (estate_id, day, last)
    SELECT estate_id, substr(reference, 1, 8), MAX(CAST(substr(reference, 10) AS BIGINT))
    FROM orders GROUP BY estate_id, substr(reference, 1, 8);
