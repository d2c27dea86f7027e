-- Webhooks (issue 12): a company's administrators register HTTPS endpoints for kinds of
-- events; the server's job runner turns each matching event into a delivery row and sends it,
-- signed, retrying with backoff. Rows stay until delivered or given up (with the reason), so
-- deliveries survive a restart. Every key leads with the company.
CREATE TABLE webhooks (
    company_id TEXT NOT NULL REFERENCES companies(id),
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    url TEXT NOT NULL,
    -- The kinds wanted, comma-separated (`order.escalated,order.reported`).
    kinds TEXT NOT NULL,
    -- The estates it hears about, comma-separated; empty: every estate of the company.
    estate_ids TEXT NOT NULL,
    -- The HMAC-SHA256 key, shown to the administrator once (at creation and each rotation).
    secret TEXT NOT NULL,
    enabled BIGINT NOT NULL,
    created_ms BIGINT NOT NULL,
    PRIMARY KEY (company_id, id)
);

-- How far each webhook has read each estate's event log (the estate's `seq`).
CREATE TABLE webhook_cursors (
    company_id TEXT NOT NULL,
    webhook_id TEXT NOT NULL,
    estate_id TEXT NOT NULL REFERENCES estates(id),
    seq BIGINT NOT NULL,
    PRIMARY KEY (company_id, webhook_id, estate_id),
    FOREIGN KEY (company_id, webhook_id) REFERENCES webhooks(company_id, id) ON DELETE CASCADE
);

CREATE TABLE webhook_deliveries (
    company_id TEXT NOT NULL,
    id TEXT NOT NULL,
    webhook_id TEXT NOT NULL,
    estate_id TEXT NOT NULL,
    event_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    -- The JSON body, fixed when the delivery is made: every attempt sends the same bytes.
    body TEXT NOT NULL,
    created_ms BIGINT NOT NULL,
    -- `pending`, `delivered`, or `failed` (given up; `last_error` says why).
    status TEXT NOT NULL,
    attempts BIGINT NOT NULL,
    -- The start of the current run of retries (creation, or "send again"): given up 24 h on.
    since_ms BIGINT NOT NULL,
    next_ms BIGINT NOT NULL,
    -- The last attempt (0: none yet), its HTTP status (0: no answer) and error.
    last_ms BIGINT NOT NULL,
    last_status BIGINT NOT NULL,
    last_error TEXT NOT NULL,
    -- A claim by one instance's job runner: the row is that runner's until `lease_ms`.
    lease TEXT NOT NULL,
    lease_ms BIGINT NOT NULL,
    PRIMARY KEY (company_id, id),
    UNIQUE (company_id, webhook_id, event_id),
    FOREIGN KEY (company_id, webhook_id) REFERENCES webhooks(company_id, id) ON DELETE CASCADE
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_ms);
-- A webhook's log, newest first, and the admin list's counts.
CREATE INDEX webhook_deliveries_log ON webhook_deliveries (company_id, webhook_id, created_ms);
