-- Each order's folded state kept beside it, so the figures of a month (KPIs, the monthly and
-- weekly reports) read one row per order instead of every event of every order: at a
-- company of a million orders, folding the month's events at each read took seconds.
-- Every stored event of an order adds one to `touches`; a state is current while
-- `folded_touches` equals it and `folded_by` names the server's fold (the shared crate's
-- source digest). The server folds stale states in the background; a reader folds any it
-- meets, so a stale state is never trusted. Orders stored before this start stale.
ALTER TABLE orders ADD COLUMN touches BIGINT NOT NULL DEFAULT 0;
ALTER TABLE orders ADD COLUMN folded_touches BIGINT NOT NULL DEFAULT -1;
ALTER TABLE orders ADD COLUMN folded_by TEXT NOT NULL DEFAULT '';
-- The state as JSON (`anju_shared::order::OrderState`); NULL when its events fold to no order.
ALTER TABLE orders ADD COLUMN folded TEXT;
-- 1 while the order is not completed (open work), and while its state is stale: an old
-- order is read for a month's figures when it is still open.
ALTER TABLE orders ADD COLUMN is_open INTEGER NOT NULL DEFAULT 1;
CREATE INDEX orders_open ON orders(estate_id, reported_ms) WHERE is_open = 1;
CREATE INDEX orders_stale ON orders(id) WHERE touches <> folded_touches;
