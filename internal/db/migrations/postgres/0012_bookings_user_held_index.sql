-- A member's bookings that hold seats, by end: the rules count a member's
-- active bookings at every booking and every availability asked, and the
-- index answers without reading the rows of a history of bookings.
CREATE INDEX bookings_user_held ON bookings(user_id, end_at, space_id, status) WHERE status IN ('pending', 'offered', 'confirmed');
