-- Bookings of spaces. Instants are UTC "YYYY-MM-DD HH:MM:SS" text and
-- intervals are half-open [start_at, end_at).
--
-- The invariants live here, not only in the application:
--   * "exclusive" says the space is booked one at a time (office, meeting
--     room); it must match the space's kind (bookings_exclusive_*);
--   * two confirmed exclusive bookings of a space never overlap
--     (bookings_no_overlap_*);
--   * at no instant do the confirmed bookings of a shared space (open space,
--     equipment units) hold more seats than its capacity
--     (bookings_capacity_*).
-- Every write transaction holds SQLite's single write lock from BEGIN, so
-- what these triggers count cannot change under them.
CREATE TABLE bookings (
    id INTEGER PRIMARY KEY,
    public_id TEXT NOT NULL UNIQUE,
    space_id INTEGER NOT NULL REFERENCES spaces(id) ON DELETE CASCADE,
    user_id INTEGER REFERENCES users(id) ON DELETE CASCADE, -- NULL for a walk-in
    guest_name TEXT NOT NULL DEFAULT '',
    guest_contact TEXT NOT NULL DEFAULT '',
    audience TEXT NOT NULL CHECK (audience IN ('professionals', 'e_inclusion')),
    start_at TIMESTAMP NOT NULL,
    end_at TIMESTAMP NOT NULL,
    seats INTEGER NOT NULL DEFAULT 1 CHECK (seats >= 1),
    exclusive BOOLEAN NOT NULL,
    status TEXT NOT NULL DEFAULT 'confirmed' CHECK (status IN ('confirmed', 'cancelled')),
    idempotency_key TEXT,
    created_at TIMESTAMP NOT NULL,
    cancelled_at TIMESTAMP,
    CONSTRAINT bookings_interval CHECK (end_at > start_at),
    CONSTRAINT bookings_cancelled_at CHECK ((status = 'cancelled') = (cancelled_at IS NOT NULL))
);
CREATE INDEX bookings_space_start ON bookings(space_id, start_at);
CREATE INDEX bookings_user_start ON bookings(user_id, start_at);
-- One booking per idempotency key and user; walk-ins (no user) share one namespace.
CREATE UNIQUE INDEX bookings_idempotency ON bookings(COALESCE(user_id, 0), idempotency_key) WHERE idempotency_key IS NOT NULL;

CREATE TRIGGER bookings_exclusive_insert BEFORE INSERT ON bookings
WHEN NEW.exclusive IS NOT (SELECT kind IN ('office', 'meeting_room') FROM spaces WHERE id = NEW.space_id)
    AND EXISTS (SELECT 1 FROM spaces WHERE id = NEW.space_id)
BEGIN
    SELECT RAISE(ABORT, 'booking.exclusive_mismatch');
END;

CREATE TRIGGER bookings_exclusive_update BEFORE UPDATE OF space_id, exclusive ON bookings
WHEN NEW.exclusive IS NOT (SELECT kind IN ('office', 'meeting_room') FROM spaces WHERE id = NEW.space_id)
    AND EXISTS (SELECT 1 FROM spaces WHERE id = NEW.space_id)
BEGIN
    SELECT RAISE(ABORT, 'booking.exclusive_mismatch');
END;

CREATE TRIGGER bookings_no_overlap_insert BEFORE INSERT ON bookings
WHEN NEW.status = 'confirmed' AND NEW.exclusive
BEGIN
    SELECT RAISE(ABORT, 'booking.overlap') WHERE EXISTS (
        SELECT 1 FROM bookings b
        WHERE b.space_id = NEW.space_id AND b.status = 'confirmed' AND b.exclusive
          AND b.start_at < NEW.end_at AND b.end_at > NEW.start_at);
END;

CREATE TRIGGER bookings_no_overlap_update BEFORE UPDATE OF space_id, start_at, end_at, status, exclusive ON bookings
WHEN NEW.status = 'confirmed' AND NEW.exclusive
BEGIN
    SELECT RAISE(ABORT, 'booking.overlap') WHERE EXISTS (
        SELECT 1 FROM bookings b
        WHERE b.id <> NEW.id AND b.space_id = NEW.space_id AND b.status = 'confirmed' AND b.exclusive
          AND b.start_at < NEW.end_at AND b.end_at > NEW.start_at);
END;

-- The seats in use over [start, end) peak at its start or at the start of a
-- booking inside it: check NEW's seats against that peak.
CREATE TRIGGER bookings_capacity_insert BEFORE INSERT ON bookings
WHEN NEW.status = 'confirmed' AND NOT NEW.exclusive
BEGIN
    SELECT RAISE(ABORT, 'booking.full') WHERE NEW.seats + max(
        (SELECT COALESCE(SUM(b.seats), 0) FROM bookings b
         WHERE b.space_id = NEW.space_id AND b.status = 'confirmed'
           AND b.start_at <= NEW.start_at AND b.end_at > NEW.start_at),
        (SELECT COALESCE(MAX((SELECT SUM(b.seats) FROM bookings b
                              WHERE b.space_id = NEW.space_id AND b.status = 'confirmed'
                                AND b.start_at <= p.start_at AND b.end_at > p.start_at)), 0)
         FROM bookings p
         WHERE p.space_id = NEW.space_id AND p.status = 'confirmed'
           AND p.start_at > NEW.start_at AND p.start_at < NEW.end_at)
    ) > (SELECT capacity FROM spaces WHERE id = NEW.space_id);
END;

CREATE TRIGGER bookings_capacity_update BEFORE UPDATE OF space_id, start_at, end_at, seats, status, exclusive ON bookings
WHEN NEW.status = 'confirmed' AND NOT NEW.exclusive
BEGIN
    SELECT RAISE(ABORT, 'booking.full') WHERE NEW.seats + max(
        (SELECT COALESCE(SUM(b.seats), 0) FROM bookings b
         WHERE b.id <> NEW.id AND b.space_id = NEW.space_id AND b.status = 'confirmed'
           AND b.start_at <= NEW.start_at AND b.end_at > NEW.start_at),
        (SELECT COALESCE(MAX((SELECT SUM(b.seats) FROM bookings b
                              WHERE b.id <> NEW.id AND b.space_id = NEW.space_id AND b.status = 'confirmed'
                                AND b.start_at <= p.start_at AND b.end_at > p.start_at)), 0)
         FROM bookings p
         WHERE p.id <> NEW.id AND p.space_id = NEW.space_id AND p.status = 'confirmed'
           AND p.start_at > NEW.start_at AND p.start_at < NEW.end_at)
    ) > (SELECT capacity FROM spaces WHERE id = NEW.space_id);
END;
