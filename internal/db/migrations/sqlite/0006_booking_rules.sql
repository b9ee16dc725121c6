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
    id INTEGER PRIMARY KEY,
    place_id INTEGER NOT NULL REFERENCES places(id) ON DELETE CASCADE,
    space_id INTEGER REFERENCES spaces(id) ON DELETE CASCADE,
    window_days INTEGER CHECK (window_days BETWEEN 1 AND 730),
    notice_minutes INTEGER CHECK (notice_minutes BETWEEN 0 AND 43200),
    min_minutes INTEGER CHECK (min_minutes BETWEEN 0 AND 1440),
    max_minutes INTEGER CHECK (max_minutes BETWEEN 0 AND 1440),
    max_active INTEGER CHECK (max_active BETWEEN 0 AND 1000),
    cancel_minutes INTEGER CHECK (cancel_minutes BETWEEN 0 AND 43200),
    approval BOOLEAN,
    hold_minutes INTEGER CHECK (hold_minutes BETWEEN 5 AND 10080),
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX booking_rules_scope ON booking_rules(place_id, COALESCE(space_id, 0));

-- Recurring windows reserved for one audience, on the Paris wall clock:
-- bookings for the other audience cannot overlap them.
CREATE TABLE audience_windows (
    id INTEGER PRIMARY KEY,
    public_id TEXT NOT NULL UNIQUE,
    place_id INTEGER NOT NULL REFERENCES places(id) ON DELETE CASCADE,
    space_id INTEGER REFERENCES spaces(id) ON DELETE CASCADE, -- NULL: every space of the place
    audience TEXT NOT NULL CHECK (audience IN ('professionals', 'e_inclusion')),
    weekdays INTEGER NOT NULL CHECK (weekdays BETWEEN 1 AND 127), -- bit 0 Monday … bit 6 Sunday
    start_minute INTEGER NOT NULL CHECK (start_minute BETWEEN 0 AND 1439),
    end_minute INTEGER NOT NULL CHECK (end_minute BETWEEN 1 AND 1440),
    label TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    CONSTRAINT audience_windows_order CHECK (end_minute > start_minute)
);
CREATE INDEX audience_windows_place ON audience_windows(place_id);

-- Private iCal feeds: a member's bookings, or a place's occupancy for its
-- staff. The secret is in the URL, as calendar applications need; it can
-- be replaced, which ends the old address.
CREATE TABLE calendar_feeds (
    id INTEGER PRIMARY KEY,
    secret TEXT NOT NULL UNIQUE,
    user_id INTEGER UNIQUE REFERENCES users(id) ON DELETE CASCADE,
    place_id INTEGER UNIQUE REFERENCES places(id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    CONSTRAINT calendar_feeds_owner CHECK ((user_id IS NULL) <> (place_id IS NULL))
);

-- Days when a place (space_id NULL) or a space takes no booking.
CREATE TABLE blocked_dates (
    id INTEGER PRIMARY KEY,
    place_id INTEGER NOT NULL REFERENCES places(id) ON DELETE CASCADE,
    space_id INTEGER REFERENCES spaces(id) ON DELETE CASCADE,
    day TEXT NOT NULL CHECK (day GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'),
    reason TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX blocked_dates_scope ON blocked_dates(place_id, COALESCE(space_id, 0), day);

-- SQLite cannot change a CHECK constraint: the bookings table is rebuilt.
DROP TRIGGER bookings_exclusive_insert;
DROP TRIGGER bookings_exclusive_update;
DROP TRIGGER bookings_no_overlap_insert;
DROP TRIGGER bookings_no_overlap_update;
DROP TRIGGER bookings_capacity_insert;
DROP TRIGGER bookings_capacity_update;

CREATE TABLE bookings_new (
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
    status TEXT NOT NULL DEFAULT 'confirmed'
        CHECK (status IN ('waiting', 'pending', 'offered', 'confirmed', 'cancelled', 'refused', 'expired')),
    idempotency_key TEXT,
    created_at TIMESTAMP NOT NULL,
    cancelled_at TIMESTAMP,
    hold_until TIMESTAMP,
    booked_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
    decided_at TIMESTAMP,
    note TEXT NOT NULL DEFAULT '',
    attendance TEXT NOT NULL DEFAULT 'expected' CHECK (attendance IN ('expected', 'present', 'no_show')),
    attendance_at TIMESTAMP,
    sequence INTEGER NOT NULL DEFAULT 0,
    updated_at TIMESTAMP NOT NULL,
    CONSTRAINT bookings_interval CHECK (end_at > start_at),
    CONSTRAINT bookings_cancelled_at CHECK ((status = 'cancelled') = (cancelled_at IS NOT NULL)),
    CONSTRAINT bookings_hold CHECK (status <> 'offered' OR hold_until IS NOT NULL)
);
INSERT INTO bookings_new (id, public_id, space_id, user_id, guest_name, guest_contact, audience, start_at, end_at,
    seats, exclusive, status, idempotency_key, created_at, cancelled_at, updated_at, booked_by)
SELECT id, public_id, space_id, user_id, guest_name, guest_contact, audience, start_at, end_at,
    seats, exclusive, status, idempotency_key, created_at, cancelled_at, COALESCE(cancelled_at, created_at), user_id
FROM bookings;
DROP TABLE bookings;
ALTER TABLE bookings_new RENAME TO bookings;

CREATE INDEX bookings_space_start ON bookings(space_id, start_at);
CREATE INDEX bookings_user_start ON bookings(user_id, start_at);
CREATE INDEX bookings_hold ON bookings(hold_until) WHERE status = 'offered';
-- One booking per idempotency key and author (the member, or the staff who booked a walk-in).
CREATE UNIQUE INDEX bookings_idempotency ON bookings(COALESCE(booked_by, 0), idempotency_key) WHERE idempotency_key IS NOT NULL;

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
WHEN NEW.status IN ('pending', 'offered', 'confirmed') AND NEW.exclusive
BEGIN
    SELECT RAISE(ABORT, 'booking.overlap') WHERE EXISTS (
        SELECT 1 FROM bookings b
        WHERE b.space_id = NEW.space_id AND b.status IN ('pending', 'offered', 'confirmed') AND b.exclusive
          AND b.start_at < NEW.end_at AND b.end_at > NEW.start_at);
END;

CREATE TRIGGER bookings_no_overlap_update BEFORE UPDATE OF space_id, start_at, end_at, status, exclusive ON bookings
WHEN NEW.status IN ('pending', 'offered', 'confirmed') AND NEW.exclusive
BEGIN
    SELECT RAISE(ABORT, 'booking.overlap') WHERE EXISTS (
        SELECT 1 FROM bookings b
        WHERE b.id <> NEW.id AND b.space_id = NEW.space_id AND b.status IN ('pending', 'offered', 'confirmed') AND b.exclusive
          AND b.start_at < NEW.end_at AND b.end_at > NEW.start_at);
END;

-- The seats in use over [start, end) peak at its start or at the start of a
-- booking inside it: check NEW's seats against that peak.
CREATE TRIGGER bookings_capacity_insert BEFORE INSERT ON bookings
WHEN NEW.status IN ('pending', 'offered', 'confirmed') AND NOT NEW.exclusive
BEGIN
    SELECT RAISE(ABORT, 'booking.full') WHERE NEW.seats + max(
        (SELECT COALESCE(SUM(b.seats), 0) FROM bookings b
         WHERE b.space_id = NEW.space_id AND b.status IN ('pending', 'offered', 'confirmed')
           AND b.start_at <= NEW.start_at AND b.end_at > NEW.start_at),
        (SELECT COALESCE(MAX((SELECT SUM(b.seats) FROM bookings b
                              WHERE b.space_id = NEW.space_id AND b.status IN ('pending', 'offered', 'confirmed')
                                AND b.start_at <= p.start_at AND b.end_at > p.start_at)), 0)
         FROM bookings p
         WHERE p.space_id = NEW.space_id AND p.status IN ('pending', 'offered', 'confirmed')
           AND p.start_at > NEW.start_at AND p.start_at < NEW.end_at)
    ) > (SELECT capacity FROM spaces WHERE id = NEW.space_id);
END;

CREATE TRIGGER bookings_capacity_update BEFORE UPDATE OF space_id, start_at, end_at, seats, status, exclusive ON bookings
WHEN NEW.status IN ('pending', 'offered', 'confirmed') AND NOT NEW.exclusive
BEGIN
    SELECT RAISE(ABORT, 'booking.full') WHERE NEW.seats + max(
        (SELECT COALESCE(SUM(b.seats), 0) FROM bookings b
         WHERE b.id <> NEW.id AND b.space_id = NEW.space_id AND b.status IN ('pending', 'offered', 'confirmed')
           AND b.start_at <= NEW.start_at AND b.end_at > NEW.start_at),
        (SELECT COALESCE(MAX((SELECT SUM(b.seats) FROM bookings b
                              WHERE b.id <> NEW.id AND b.space_id = NEW.space_id AND b.status IN ('pending', 'offered', 'confirmed')
                                AND b.start_at <= p.start_at AND b.end_at > p.start_at)), 0)
         FROM bookings p
         WHERE p.id <> NEW.id AND p.space_id = NEW.space_id AND p.status IN ('pending', 'offered', 'confirmed')
           AND p.start_at > NEW.start_at AND p.start_at < NEW.end_at)
    ) > (SELECT capacity FROM spaces WHERE id = NEW.space_id);
END;
