-- Refused events keyed by the event, not by its (device_id, device_seq): a key reused by a
-- different event, or an id reused under another key, is refused too and must be kept beside
-- the event that first held it. SQLite cannot change a primary key in place: rebuild.

CREATE TABLE rejected_events_new (
    estate_id TEXT NOT NULL,
    id TEXT NOT NULL,
    device_id TEXT NOT NULL,
    device_seq BIGINT NOT NULL,
    staff_id TEXT NOT NULL,
    event TEXT NOT NULL,
    reason TEXT NOT NULL,
    received_ms BIGINT NOT NULL,
    PRIMARY KEY (id, device_id, device_seq)
);
INSERT INTO rejected_events_new (estate_id, id, device_id, device_seq, staff_id, event, reason, received_ms)
    SELECT estate_id, id, device_id, device_seq, staff_id, event, reason, received_ms FROM rejected_events;
DROP TABLE rejected_events;
ALTER TABLE rejected_events_new RENAME TO rejected_events;
-- A push looks its devices' keys up by range.
CREATE INDEX rejected_events_device ON rejected_events(device_id, device_seq);
