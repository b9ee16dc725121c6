-- Every index of bookings is written at every booking, each at a page of
-- its own; the two by space and the two by member serve the same lookups.
-- One of each, covering what the lookups read, keeps them all index-only:
-- the seats held over a stretch of a space (the capacity triggers, the
-- availability), a space's calendar and waiting list; a member's bookings
-- by date, and their active ones in a place (those that end after an
-- instant start less than a day before it: see booking.MaxLength).
DROP INDEX bookings_space_start;
DROP INDEX bookings_held;
CREATE INDEX bookings_space ON bookings(space_id, start_at, end_at, seats, status);
DROP INDEX bookings_user_start;
DROP INDEX bookings_user_held;
CREATE INDEX bookings_user ON bookings(user_id, start_at, end_at, space_id, status);
