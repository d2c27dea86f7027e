-- The monthly statistics report of an estate (月度客户信息统计分析表, 000 4.3.6): the figures
-- are computed from the events whenever asked; what is kept is what the estate writes about
-- its month — the analysis of the unclosed and unsatisfied items and the measures taken —
-- and whether it was submitted. Keyed by estate first, as every table a distributed database
-- would shard by estate.
CREATE TABLE monthly_reports (
    estate_id TEXT NOT NULL REFERENCES estates(id),
    -- `2026-03`.
    month TEXT NOT NULL,
    analysis TEXT NOT NULL,
    measures TEXT NOT NULL,
    -- `draft` or `submitted`.
    status TEXT NOT NULL,
    updated_by TEXT NOT NULL REFERENCES staff(id),
    updated_ms BIGINT NOT NULL,
    PRIMARY KEY (estate_id, month)
);

-- What the manager's figures read: an estate's visits (by kind, without scanning every
-- event of the estate) and whether an order was completed (open work, by order and kind).
CREATE INDEX events_estate_kind ON events(estate_id, kind, seq);
CREATE INDEX events_order_kind ON events(order_id, kind);
