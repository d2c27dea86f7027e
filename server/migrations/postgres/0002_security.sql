-- The security baseline on PostgreSQL: the same tables as migrations/sqlite/0002.

CREATE TABLE audit_log (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at_ms BIGINT NOT NULL,
    -- A staff id, `resident`, or `anonymous`.
    actor TEXT NOT NULL,
    -- The client's address as the server saw it.
    ip TEXT NOT NULL,
    -- login_ok, login_failed, login_throttled, access_refused, reveal_phone, export, erase,
    -- staff_created, role_changed, staff_disabled, …
    action TEXT NOT NULL,
    -- What it was about: an order id, a username, a path.
    subject TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX audit_log_at ON audit_log(at_ms);

CREATE TABLE rate_limits (
    key TEXT PRIMARY KEY,
    window_start_ms BIGINT NOT NULL,
    hits BIGINT NOT NULL
);
