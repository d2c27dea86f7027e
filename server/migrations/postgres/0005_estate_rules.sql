-- An estate's rules as its manager sets them: the numbers it changes on its preset (a JSON
-- object merged onto it) and its working-day calendar (JSON; empty while the shipped
-- official calendar applies). Validated by the rule engine before they are stored.
ALTER TABLE estates ADD COLUMN policy_override TEXT NOT NULL DEFAULT '{}';
ALTER TABLE estates ADD COLUMN calendar TEXT NOT NULL DEFAULT '';
