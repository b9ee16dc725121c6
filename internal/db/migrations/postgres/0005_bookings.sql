-- Bookings of spaces: instants in UTC, intervals half-open [start_at, end_at).
--
-- The invariants live here, not only in the application:
--   * "exclusive" says the space is booked one at a time (office, meeting
--     room); it must match the space's kind (bookings_guard);
--   * two confirmed exclusive bookings of a space never overlap
--     (exclusion constraint bookings_no_overlap);
--   * at no instant do the confirmed bookings of a shared space (open space,
--     equipment units) hold more seats than its capacity (bookings_guard,
--     which locks the space's row so that concurrent writers count in turn).
CREATE EXTENSION IF NOT EXISTS btree_gist;

CREATE TABLE bookings (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    public_id TEXT NOT NULL UNIQUE,
    space_id BIGINT NOT NULL REFERENCES spaces(id) ON DELETE CASCADE,
    user_id BIGINT REFERENCES users(id) ON DELETE CASCADE, -- NULL for a walk-in
    guest_name TEXT NOT NULL DEFAULT '',
    guest_contact TEXT NOT NULL DEFAULT '',
    audience TEXT NOT NULL CHECK (audience IN ('professionals', 'e_inclusion')),
    start_at TIMESTAMPTZ NOT NULL,
    end_at TIMESTAMPTZ NOT NULL,
    seats INTEGER NOT NULL DEFAULT 1 CHECK (seats >= 1),
    exclusive BOOLEAN NOT NULL,
    status TEXT NOT NULL DEFAULT 'confirmed' CHECK (status IN ('confirmed', 'cancelled')),
    idempotency_key TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    cancelled_at TIMESTAMPTZ,
    CONSTRAINT bookings_interval CHECK (end_at > start_at),
    CONSTRAINT bookings_cancelled_at CHECK ((status = 'cancelled') = (cancelled_at IS NOT NULL)),
    CONSTRAINT bookings_no_overlap EXCLUDE USING gist (
        space_id WITH =, tstzrange(start_at, end_at, '[)') WITH &&
    ) WHERE (status = 'confirmed' AND exclusive)
);
CREATE INDEX bookings_space_start ON bookings(space_id, start_at);
CREATE INDEX bookings_user_start ON bookings(user_id, start_at);
-- One booking per idempotency key and user; walk-ins (no user) share one namespace.
CREATE UNIQUE INDEX bookings_idempotency ON bookings(COALESCE(user_id, 0), idempotency_key) WHERE idempotency_key IS NOT NULL;

-- Raises P0001 (mapped to a conflict) when a row would break an invariant.
CREATE FUNCTION bookings_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    space_capacity integer;
    space_kind text;
    used integer;
BEGIN
    -- The lock makes concurrent writers of one space count one after the other.
    SELECT capacity, kind INTO space_capacity, space_kind FROM spaces WHERE id = NEW.space_id FOR UPDATE;
    IF NOT FOUND THEN
        RETURN NEW; -- the foreign key refuses the row
    END IF;
    IF NEW.exclusive IS DISTINCT FROM (space_kind IN ('office', 'meeting_room')) THEN
        RAISE EXCEPTION 'booking.exclusive_mismatch';
    END IF;
    IF NEW.status <> 'confirmed' OR NEW.exclusive THEN
        RETURN NEW; -- exclusive bookings: the exclusion constraint guards them
    END IF;
    -- The seats in use over [start, end) peak at its start or at the start
    -- of a booking inside it.
    SELECT GREATEST(
        (SELECT COALESCE(SUM(b.seats), 0) FROM bookings b
         WHERE b.id <> NEW.id AND b.space_id = NEW.space_id AND b.status = 'confirmed'
           AND b.start_at <= NEW.start_at AND b.end_at > NEW.start_at),
        (SELECT COALESCE(MAX((SELECT SUM(b.seats) FROM bookings b
                              WHERE b.id <> NEW.id AND b.space_id = NEW.space_id AND b.status = 'confirmed'
                                AND b.start_at <= p.start_at AND b.end_at > p.start_at)), 0)
         FROM bookings p
         WHERE p.id <> NEW.id AND p.space_id = NEW.space_id AND p.status = 'confirmed'
           AND p.start_at > NEW.start_at AND p.start_at < NEW.end_at)
    ) INTO used;
    IF used + NEW.seats > space_capacity THEN
        RAISE EXCEPTION 'booking.full';
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER bookings_guard BEFORE INSERT OR UPDATE OF space_id, start_at, end_at, seats, status, exclusive ON bookings
    FOR EACH ROW EXECUTE FUNCTION bookings_guard();
