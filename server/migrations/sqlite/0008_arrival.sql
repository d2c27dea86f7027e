-- A sync key belongs to the staff member who pushed under it, in one estate: a colleague who
-- pushes under another tablet's device id at its next device_seq takes none of that tablet's
-- keys, so the tablet's own event is not refused later as a reused key. SQLite cannot change
-- a table's constraints in place: rebuild it.
CREATE TABLE events_new (
    estate_id TEXT NOT NULL REFERENCES estates(id),
    seq BIGINT NOT NULL,
    id TEXT NOT NULL UNIQUE,
    -- Empty for events about no order (household visits); checked by the server on arrival.
    order_id TEXT NOT NULL,
    device_id TEXT NOT NULL,
    device_seq BIGINT NOT NULL,
    hlc TEXT NOT NULL,
    actor TEXT NOT NULL,
    kind TEXT NOT NULL,
    at TEXT NOT NULL,
    body TEXT NOT NULL,
    received_ms BIGINT NOT NULL,
    PRIMARY KEY (estate_id, seq),
    UNIQUE (estate_id, device_id, actor, device_seq)
);
INSERT INTO events_new (estate_id, seq, id, order_id, device_id, device_seq, hlc, actor, kind, at, body, received_ms)
    SELECT estate_id, seq, id, order_id, device_id, device_seq, hlc, actor, kind, at, body, received_ms FROM events;
DROP TABLE events;
ALTER TABLE events_new RENAME TO events;
CREATE INDEX events_order ON events(order_id);

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
