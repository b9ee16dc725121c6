-- The seats a space's bookings hold, read straight from the index: the
-- availability of a place, the service's capacity check and the triggers
-- look only at bookings that hold seats, by space and start, and need only
-- their end and seats besides. A partial covering index (status too, for
-- SQLite's planner to see it covers) answers them
-- without reading the table's rows (a year of history lies between them).
CREATE INDEX bookings_held ON bookings(space_id, start_at, end_at, seats, status) WHERE status IN ('pending', 'offered', 'confirmed');
