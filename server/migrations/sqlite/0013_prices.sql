-- Paid work (000 4.4.3): each estate's price list — service, unit, price in fen (an integer,
-- never a float), notes — in the order its manager keeps it. Keyed by estate first, as every
-- table a distributed database would shard by estate.
CREATE TABLE estate_prices (
    estate_id TEXT NOT NULL REFERENCES estates(id),
    item_id TEXT NOT NULL,
    service TEXT NOT NULL,
    unit TEXT NOT NULL,
    price_fen BIGINT NOT NULL CHECK (price_fen >= 0),
    notes TEXT NOT NULL DEFAULT '',
    position BIGINT NOT NULL,
    PRIMARY KEY (estate_id, item_id)
);
