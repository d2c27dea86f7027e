-- Household visit rounds (V-1, V-2): a household's move-in day (a new resident is visited
-- within the policy's days of it) and each month's visit plan — which caretaker visits which
-- household — saved and approved by a supervisor by the 25th of the month before. Keyed by
-- estate first, as every table a distributed database would shard by estate.
ALTER TABLE households ADD COLUMN moved_in TEXT;

CREATE TABLE visit_plans (
    estate_id TEXT NOT NULL REFERENCES estates(id),
    -- `2027-01`.
    month TEXT NOT NULL,
    -- `draft` or `approved`.
    status TEXT NOT NULL,
    saved_by TEXT NOT NULL REFERENCES staff(id),
    saved_ms BIGINT NOT NULL,
    approved_by TEXT REFERENCES staff(id),
    approved_ms BIGINT,
    PRIMARY KEY (estate_id, month)
);

CREATE TABLE visit_plan_items (
    estate_id TEXT NOT NULL,
    month TEXT NOT NULL,
    household_id TEXT NOT NULL REFERENCES households(id),
    caretaker_id TEXT NOT NULL REFERENCES staff(id),
    -- `new_resident`, `important` or `ordinary`.
    reason TEXT NOT NULL,
    -- A new resident's deadline, `YYYY-MM-DD`.
    due TEXT,
    -- The order the supervisor left the items in.
    position BIGINT NOT NULL,
    PRIMARY KEY (estate_id, month, household_id),
    FOREIGN KEY (estate_id, month) REFERENCES visit_plans(estate_id, month)
);
CREATE INDEX visit_plan_items_caretaker ON visit_plan_items(estate_id, caretaker_id, month);
