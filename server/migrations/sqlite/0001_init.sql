-- The first schema of Anju on SQLite: tenancy, the site plan, staff and sessions, and the order event log.
-- Times are RFC 3339 text (with the estate's offset) plus, where we sort or compare, epoch milliseconds.

CREATE TABLE companies (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL
);

CREATE TABLE regions (
    id TEXT PRIMARY KEY,
    company_id TEXT NOT NULL REFERENCES companies(id),
    name TEXT NOT NULL
);

CREATE TABLE estates (
    id TEXT PRIMARY KEY,
    company_id TEXT NOT NULL REFERENCES companies(id),
    region_id TEXT NOT NULL REFERENCES regions(id),
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    policy TEXT NOT NULL,
    utc_offset TEXT NOT NULL,
    -- The per-estate event sequence: incremented inside the inserting transaction, so it is
    -- gap-free in commit order.
    seq BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE buildings (
    id TEXT PRIMARY KEY,
    estate_id TEXT NOT NULL REFERENCES estates(id),
    number BIGINT NOT NULL,
    name TEXT NOT NULL,
    floors BIGINT NOT NULL,
    -- Polygon on the site plan, metres, JSON [[x,y],...].
    footprint TEXT NOT NULL,
    UNIQUE (estate_id, number)
);

CREATE TABLE units (
    id TEXT PRIMARY KEY,
    building_id TEXT NOT NULL REFERENCES buildings(id),
    number BIGINT NOT NULL,
    UNIQUE (building_id, number)
);

CREATE TABLE households (
    id TEXT PRIMARY KEY,
    unit_id TEXT NOT NULL REFERENCES units(id),
    floor BIGINT NOT NULL,
    room TEXT NOT NULL,
    important BIGINT NOT NULL DEFAULT 0,
    UNIQUE (unit_id, room)
);

CREATE TABLE residents (
    id TEXT PRIMARY KEY,
    household_id TEXT NOT NULL REFERENCES households(id),
    name TEXT NOT NULL,
    phone TEXT NOT NULL
);
CREATE INDEX residents_household ON residents(household_id);

CREATE TABLE staff (
    id TEXT PRIMARY KEY,
    company_id TEXT NOT NULL REFERENCES companies(id),
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    disabled BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE staff_estates (
    staff_id TEXT NOT NULL REFERENCES staff(id),
    estate_id TEXT NOT NULL REFERENCES estates(id),
    PRIMARY KEY (staff_id, estate_id)
);

CREATE TABLE sessions (
    -- SHA-256 of the cookie value: a database leak does not hand out live sessions.
    token_hash TEXT PRIMARY KEY,
    staff_id TEXT NOT NULL REFERENCES staff(id),
    created_ms BIGINT NOT NULL,
    seen_ms BIGINT NOT NULL
);

CREATE TABLE orders (
    id TEXT PRIMARY KEY,
    estate_id TEXT NOT NULL REFERENCES estates(id),
    reference TEXT NOT NULL,
    tracking_hash TEXT NOT NULL UNIQUE,
    reported_ms BIGINT NOT NULL,
    -- The reporter's contact, kept out of the synced events: lists show it masked (PIPL).
    contact_name TEXT NOT NULL,
    contact_phone TEXT NOT NULL,
    notice_version TEXT NOT NULL,
    UNIQUE (estate_id, reference)
);
CREATE INDEX orders_estate ON orders(estate_id, reported_ms);

CREATE TABLE events (
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
    UNIQUE (device_id, device_seq)
);
CREATE INDEX events_order ON events(order_id);

-- Pushed events a server rule refused: kept for review, never applied, never lost.
CREATE TABLE rejected_events (
    estate_id TEXT NOT NULL,
    id TEXT NOT NULL,
    device_id TEXT NOT NULL,
    device_seq BIGINT NOT NULL,
    staff_id TEXT NOT NULL,
    event TEXT NOT NULL,
    reason TEXT NOT NULL,
    received_ms BIGINT NOT NULL,
    PRIMARY KEY (device_id, device_seq)
);
