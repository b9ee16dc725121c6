-- A member's bookings that hold seats, by space and end: the rules count a
-- member's active bookings in a place (its spaces, one seek each) at every
-- booking and every availability asked, without reading the rows of the
-- member's history or of their bookings elsewhere (status too, for SQLite's
-- planner to see the index covers).
CREATE INDEX bookings_user_held ON bookings(user_id, space_id, end_at, status) WHERE status IN ('pending', 'offered', 'confirmed');
