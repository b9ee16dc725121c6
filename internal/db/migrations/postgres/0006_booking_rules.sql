-- Booking rules, audience windows, blocked dates, approval, waitlists and
-- attendance (issue 4).
--
-- A booking's status says whether it holds its seats:
--   waiting    on the waitlist of a full slot, holds nothing;
--   pending    waits for the staff's approval, holds its seats;
--   offered    a waitlisted booking offered a freed seat, holds it until hold_until;
--   confirmed  holds its seats;
--   cancelled, refused, expired: hold nothing, kept for the record.
-- The invariants of 0005 now count every holding status.

ALTER TABLE users ADD COLUMN audience TEXT NOT NULL DEFAULT 'professionals'
    CHECK (audience IN ('professionals', 'e_inclusion'));

-- How a space is booked: half-days (morning, afternoon, day) or a grid of
-- hours or half-hours.
ALTER TABLE spaces ADD COLUMN booking_unit TEXT NOT NULL DEFAULT 'hour'
    CHECK (booking_unit IN ('half_day', 'hour', 'half_hour'));
UPDATE spaces SET booking_unit = 'half_day' WHERE kind = 'open_space';

-- The rules of a place (space_id NULL) or of one space; NULL inherits from
-- the place, then from the product's defaults. Durations in minutes; 0 in
-- max_minutes or max_active means no limit.
CREATE TABLE booking_rules (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    place_id BIGINT NOT NULL REFERENCES places(id) ON DELETE CASCADE,
    space_id BIGINT REFERENCES spaces(id) ON DELETE CASCADE,
    window_days INTEGER CHECK (window_days BETWEEN 1 AND 730),
    notice_minutes INTEGER CHECK (notice_minutes BETWEEN 0 AND 43200),
    min_minutes INTEGER CHECK (min_minutes BETWEEN 0 AND 1440),
    max_minutes INTEGER CHECK (max_minutes BETWEEN 0 AND 1440),
    max_active INTEGER CHECK (max_active BETWEEN 0 AND 1000),
    cancel_minutes INTEGER CHECK (cancel_minutes BETWEEN 0 AND 43200),
    approval BOOLEAN,
    hold_minutes INTEGER CHECK (hold_minutes BETWEEN 5 AND 10080),
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX booking_rules_scope ON booking_rules(place_id, COALESCE(space_id, 0));

-- Recurring windows reserved for one audience, on the Paris wall clock:
-- bookings for the other audience cannot overlap them.
CREATE TABLE audience_windows (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    public_id TEXT NOT NULL UNIQUE,
    place_id BIGINT NOT NULL REFERENCES places(id) ON DELETE CASCADE,
    space_id BIGINT REFERENCES spaces(id) ON DELETE CASCADE, -- NULL: every space of the place
    audience TEXT NOT NULL CHECK (audience IN ('professionals', 'e_inclusion')),
    weekdays INTEGER NOT NULL CHECK (weekdays BETWEEN 1 AND 127), -- bit 0 Monday … bit 6 Sunday
    start_minute INTEGER NOT NULL CHECK (start_minute BETWEEN 0 AND 1439),
    end_minute INTEGER NOT NULL CHECK (end_minute BETWEEN 1 AND 1440),
    label TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL,
    CONSTRAINT audience_windows_order CHECK (end_minute > start_minute)
);
CREATE INDEX audience_windows_place ON audience_windows(place_id);

-- Private iCal feeds: a member's bookings, or a place's occupancy for its
-- staff. The secret is in the URL, as calendar applications need; it can
-- be replaced, which ends the old address.
CREATE TABLE calendar_feeds (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    secret TEXT NOT NULL UNIQUE,
    user_id BIGINT UNIQUE REFERENCES users(id) ON DELETE CASCADE,
    place_id BIGINT UNIQUE REFERENCES places(id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL,
    CONSTRAINT calendar_feeds_owner CHECK ((user_id IS NULL) <> (place_id IS NULL))
);

-- Days when a place (space_id NULL) or a space takes no booking.
CREATE TABLE blocked_dates (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    place_id BIGINT NOT NULL REFERENCES places(id) ON DELETE CASCADE,
    space_id BIGINT REFERENCES spaces(id) ON DELETE CASCADE,
    day TEXT NOT NULL CHECK (day ~ '^[0-9]{4}-[01][0-9]-[0-3][0-9]$'),
    reason TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX blocked_dates_scope ON blocked_dates(place_id, COALESCE(space_id, 0), day);

ALTER TABLE bookings DROP CONSTRAINT bookings_status_check;
ALTER TABLE bookings ADD CONSTRAINT bookings_status_check
    CHECK (status IN ('waiting', 'pending', 'offered', 'confirmed', 'cancelled', 'refused', 'expired'));
ALTER TABLE bookings
    ADD COLUMN hold_until TIMESTAMPTZ,
    ADD COLUMN booked_by BIGINT REFERENCES users(id) ON DELETE SET NULL,
    ADD COLUMN decided_at TIMESTAMPTZ,
    ADD COLUMN note TEXT NOT NULL DEFAULT '',
    ADD COLUMN attendance TEXT NOT NULL DEFAULT 'expected' CHECK (attendance IN ('expected', 'present', 'no_show')),
    ADD COLUMN attendance_at TIMESTAMPTZ,
    ADD COLUMN sequence INTEGER NOT NULL DEFAULT 0,
    ADD COLUMN updated_at TIMESTAMPTZ;
UPDATE bookings SET updated_at = COALESCE(cancelled_at, created_at), booked_by = user_id;
ALTER TABLE bookings ALTER COLUMN updated_at SET NOT NULL;
ALTER TABLE bookings ADD CONSTRAINT bookings_hold CHECK (status <> 'offered' OR hold_until IS NOT NULL);
-- One booking per idempotency key and author (the member, or the staff who booked a walk-in).
DROP INDEX bookings_idempotency;
CREATE UNIQUE INDEX bookings_idempotency ON bookings(COALESCE(booked_by, 0), idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX bookings_hold ON bookings(hold_until) WHERE status = 'offered';

ALTER TABLE bookings DROP CONSTRAINT bookings_no_overlap;
ALTER TABLE bookings ADD CONSTRAINT bookings_no_overlap EXCLUDE USING gist (
    space_id WITH =, tstzrange(start_at, end_at, '[)') WITH &&
) WHERE (status IN ('pending', 'offered', 'confirmed') AND exclusive);

-- Raises P0001 (mapped to a conflict) when a row would break an invariant.
CREATE OR REPLACE FUNCTION bookings_guard() RETURNS trigger LANGUAGE plpgsql AS $$
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
    IF NEW.status NOT IN ('pending', 'offered', 'confirmed') OR NEW.exclusive THEN
        RETURN NEW; -- exclusive bookings: the exclusion constraint guards them
    END IF;
    -- The seats in use over [start, end) peak at its start or at the start
    -- of a booking inside it.
    SELECT GREATEST(
        (SELECT COALESCE(SUM(b.seats), 0) FROM bookings b
         WHERE b.id <> NEW.id AND b.space_id = NEW.space_id AND b.status IN ('pending', 'offered', 'confirmed')
           AND b.start_at <= NEW.start_at AND b.end_at > NEW.start_at),
        (SELECT COALESCE(MAX((SELECT SUM(b.seats) FROM bookings b
                              WHERE b.id <> NEW.id AND b.space_id = NEW.space_id AND b.status IN ('pending', 'offered', 'confirmed')
                                AND b.start_at <= p.start_at AND b.end_at > p.start_at)), 0)
         FROM bookings p
         WHERE p.id <> NEW.id AND p.space_id = NEW.space_id AND p.status IN ('pending', 'offered', 'confirmed')
           AND p.start_at > NEW.start_at AND p.start_at < NEW.end_at)
    ) INTO used;
    IF used + NEW.seats > space_capacity THEN
        RAISE EXCEPTION 'booking.full';
    END IF;
    RETURN NEW;
END
$$;
