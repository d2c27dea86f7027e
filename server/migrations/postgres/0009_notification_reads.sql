-- Which notifications of the bell each person has opened, by the notice's stable key, so a
-- read item stays read on every device of that person.
CREATE TABLE notification_reads (
    staff_id TEXT NOT NULL REFERENCES staff(id),
    key TEXT NOT NULL,
    read_ms BIGINT NOT NULL,
    PRIMARY KEY (staff_id, key)
);
