-- Refused events keyed by the event, not by its (device_id, device_seq): the same change as
-- migrations/sqlite/0003 (there a table rebuild).

ALTER TABLE rejected_events DROP CONSTRAINT rejected_events_pkey;
ALTER TABLE rejected_events ADD PRIMARY KEY (id, device_id, device_seq);
-- A push looks its devices' keys up by range.
CREATE INDEX rejected_events_device ON rejected_events(device_id, device_seq);
