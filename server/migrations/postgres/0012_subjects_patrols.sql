-- Events about subjects, not only orders: every event names what it is about (an order, a
-- household, a patrol round; later inspections and surveys). `order_id` stays, equal to
-- `subject_id` for an order's events and empty otherwise, so every order read keeps its SQL
-- and its index. Today's visits (`visited`, empty `order_id`) become household events.
ALTER TABLE events ADD COLUMN subject_kind TEXT NOT NULL DEFAULT 'order';
ALTER TABLE events ADD COLUMN subject_id TEXT NOT NULL DEFAULT '';
UPDATE events SET subject_id = order_id WHERE order_id <> '';
-- Read by pattern, not by a cast to JSON, which would fail the migration on a row whose body
-- does not read (written around the API): such a row keeps an empty subject and the readers
-- skip it as they did before. Bodies are stored as compact JSON, `"household_id":"…"`.
UPDATE events SET subject_kind = 'household',
    subject_id = COALESCE(substring(body from '"household_id":"([^"\\]*)"'), '')
    WHERE kind = 'visited' AND order_id = '';
CREATE INDEX events_subject ON events(estate_id, subject_kind, subject_id, seq);

-- Patrols (V-3): an estate's checkpoints, with a short checklist (JSON array of items).
CREATE TABLE checkpoints (
    estate_id TEXT NOT NULL REFERENCES estates(id),
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    -- A building of the estate's site plan, or empty for a place that is none.
    building_id TEXT NOT NULL,
    place TEXT NOT NULL,
    checklist TEXT NOT NULL,
    -- Taken off the estate's routes and sheets; kept for the rounds that name it.
    retired BIGINT NOT NULL DEFAULT 0,
    updated_ms BIGINT NOT NULL,
    PRIMARY KEY (estate_id, id)
);

-- Routes: checkpoints in order (JSON array of ids), the caretakers assigned (JSON array of
-- staff ids), the weekdays (JSON array of 1 = Monday … 7 = Sunday, empty: every day) and the
-- window (`HH:MM`).
CREATE TABLE patrol_routes (
    estate_id TEXT NOT NULL REFERENCES estates(id),
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    checkpoints TEXT NOT NULL,
    caretakers TEXT NOT NULL,
    weekdays TEXT NOT NULL,
    earliest TEXT NOT NULL,
    latest TEXT NOT NULL,
    retired BIGINT NOT NULL DEFAULT 0,
    updated_ms BIGINT NOT NULL,
    PRIMARY KEY (estate_id, id)
);

-- The key an estate's checkpoint codes are signed with, and its generation: reprinting a sheet
-- with a new generation revokes every code printed before. Never sent to a browser.
CREATE TABLE patrol_secrets (
    estate_id TEXT PRIMARY KEY REFERENCES estates(id),
    secret TEXT NOT NULL,
    generation BIGINT NOT NULL,
    updated_ms BIGINT NOT NULL
);
