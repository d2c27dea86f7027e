-- Photos of orders, stored in the database (so every instance on one PostgreSQL serves them)
-- after cleaning: re-encoded without metadata, named by the SHA-256 of the stored bytes.
-- The key includes the estate: the same picture uploaded to two estates is two rows, so each
-- estate's staff reach their own copy and no upload ever lands in another tenant's row.
CREATE TABLE photos (
    hash TEXT NOT NULL,
    estate_id TEXT NOT NULL REFERENCES estates(id),
    mime TEXT NOT NULL,
    bytes BLOB NOT NULL,
    -- 'resident' (the public form) or the uploading staff member's id.
    uploaded_by TEXT NOT NULL,
    uploaded_ms BIGINT NOT NULL,
    PRIMARY KEY (hash, estate_id)
);
