-- A photo taken offline is named on the tablet by the SHA-256 of the file as taken, and its
-- events carry that name before any upload; the server stores the cleaned copy (metadata
-- stripped, re-encoded) under the cleaned bytes' hash. This table maps the name the tablet
-- gave to the stored copy, per estate, so both names open the same photo.
CREATE TABLE photo_names (
    estate_id TEXT NOT NULL REFERENCES estates(id),
    original TEXT NOT NULL,
    hash TEXT NOT NULL,
    PRIMARY KEY (estate_id, original)
);
