-- Managers above an estate belong to a region (an area manager sees every estate of it,
-- including estates opened later); company-level roles are recognised by their role.
CREATE TABLE staff_regions (
    staff_id TEXT NOT NULL REFERENCES staff(id),
    region_id TEXT NOT NULL REFERENCES regions(id),
    PRIMARY KEY (staff_id, region_id)
);
