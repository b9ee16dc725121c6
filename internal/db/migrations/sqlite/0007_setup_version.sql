-- setup_version counts the changes to what booking reads of a place: its
-- row, its spaces, rules, audience windows and blocked days. The booking
-- service caches a place's setup and reads it again when the count moved.
ALTER TABLE places ADD COLUMN setup_version INTEGER NOT NULL DEFAULT 0;

CREATE TRIGGER places_setup_version AFTER UPDATE OF slug, name, status, opening_hours, carrier_id ON places
BEGIN
    UPDATE places SET setup_version = setup_version + 1 WHERE id = NEW.id;
END;

CREATE TRIGGER spaces_setup_insert AFTER INSERT ON spaces
BEGIN
    UPDATE places SET setup_version = setup_version + 1 WHERE id = NEW.place_id;
END;
CREATE TRIGGER spaces_setup_update AFTER UPDATE ON spaces
BEGIN
    UPDATE places SET setup_version = setup_version + 1 WHERE id IN (OLD.place_id, NEW.place_id);
END;
CREATE TRIGGER spaces_setup_delete AFTER DELETE ON spaces
BEGIN
    UPDATE places SET setup_version = setup_version + 1 WHERE id = OLD.place_id;
END;

CREATE TRIGGER booking_rules_setup_insert AFTER INSERT ON booking_rules
BEGIN
    UPDATE places SET setup_version = setup_version + 1 WHERE id = NEW.place_id;
END;
CREATE TRIGGER booking_rules_setup_update AFTER UPDATE ON booking_rules
BEGIN
    UPDATE places SET setup_version = setup_version + 1 WHERE id IN (OLD.place_id, NEW.place_id);
END;
CREATE TRIGGER booking_rules_setup_delete AFTER DELETE ON booking_rules
BEGIN
    UPDATE places SET setup_version = setup_version + 1 WHERE id = OLD.place_id;
END;

CREATE TRIGGER audience_windows_setup_insert AFTER INSERT ON audience_windows
BEGIN
    UPDATE places SET setup_version = setup_version + 1 WHERE id = NEW.place_id;
END;
CREATE TRIGGER audience_windows_setup_update AFTER UPDATE ON audience_windows
BEGIN
    UPDATE places SET setup_version = setup_version + 1 WHERE id IN (OLD.place_id, NEW.place_id);
END;
CREATE TRIGGER audience_windows_setup_delete AFTER DELETE ON audience_windows
BEGIN
    UPDATE places SET setup_version = setup_version + 1 WHERE id = OLD.place_id;
END;

CREATE TRIGGER blocked_dates_setup_insert AFTER INSERT ON blocked_dates
BEGIN
    UPDATE places SET setup_version = setup_version + 1 WHERE id = NEW.place_id;
END;
CREATE TRIGGER blocked_dates_setup_update AFTER UPDATE ON blocked_dates
BEGIN
    UPDATE places SET setup_version = setup_version + 1 WHERE id IN (OLD.place_id, NEW.place_id);
END;
CREATE TRIGGER blocked_dates_setup_delete AFTER DELETE ON blocked_dates
BEGIN
    UPDATE places SET setup_version = setup_version + 1 WHERE id = OLD.place_id;
END;

-- A booking lasts a day at most (the service keeps it within one day of
-- Paris; 26 hours leaves room for the DST change): the triggers below
-- then need only look at bookings that start in the 26 hours before
-- another, instead of the whole history of a space.
CREATE TRIGGER bookings_length_insert BEFORE INSERT ON bookings
WHEN julianday(NEW.end_at) - julianday(NEW.start_at) > 26.0 / 24
BEGIN
    SELECT RAISE(ABORT, 'booking.too_long_interval');
END;
CREATE TRIGGER bookings_length_update BEFORE UPDATE OF start_at, end_at ON bookings
WHEN julianday(NEW.end_at) - julianday(NEW.start_at) > 26.0 / 24
BEGIN
    SELECT RAISE(ABORT, 'booking.too_long_interval');
END;

DROP TRIGGER bookings_no_overlap_insert;
DROP TRIGGER bookings_no_overlap_update;
DROP TRIGGER bookings_capacity_insert;
DROP TRIGGER bookings_capacity_update;

CREATE TRIGGER bookings_no_overlap_insert BEFORE INSERT ON bookings
WHEN NEW.status IN ('pending', 'offered', 'confirmed') AND NEW.exclusive
BEGIN
    SELECT RAISE(ABORT, 'booking.overlap') WHERE EXISTS (
        SELECT 1 FROM bookings b
        WHERE b.space_id = NEW.space_id AND b.status IN ('pending', 'offered', 'confirmed') AND b.exclusive
          AND b.start_at > datetime(NEW.start_at, '-26 hours')
          AND b.start_at < NEW.end_at AND b.end_at > NEW.start_at);
END;

CREATE TRIGGER bookings_no_overlap_update BEFORE UPDATE OF space_id, start_at, end_at, status, exclusive ON bookings
WHEN NEW.status IN ('pending', 'offered', 'confirmed') AND NEW.exclusive
BEGIN
    SELECT RAISE(ABORT, 'booking.overlap') WHERE EXISTS (
        SELECT 1 FROM bookings b
        WHERE b.id <> NEW.id AND b.space_id = NEW.space_id AND b.status IN ('pending', 'offered', 'confirmed') AND b.exclusive
          AND b.start_at > datetime(NEW.start_at, '-26 hours')
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
           AND b.start_at > datetime(NEW.start_at, '-26 hours')
           AND b.start_at <= NEW.start_at AND b.end_at > NEW.start_at),
        (SELECT COALESCE(MAX((SELECT SUM(b.seats) FROM bookings b
                              WHERE b.space_id = NEW.space_id AND b.status IN ('pending', 'offered', 'confirmed')
                                AND b.start_at > datetime(p.start_at, '-26 hours')
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
           AND b.start_at > datetime(NEW.start_at, '-26 hours')
           AND b.start_at <= NEW.start_at AND b.end_at > NEW.start_at),
        (SELECT COALESCE(MAX((SELECT SUM(b.seats) FROM bookings b
                              WHERE b.id <> NEW.id AND b.space_id = NEW.space_id AND b.status IN ('pending', 'offered', 'confirmed')
                                AND b.start_at > datetime(p.start_at, '-26 hours')
                                AND b.start_at <= p.start_at AND b.end_at > p.start_at)), 0)
         FROM bookings p
         WHERE p.id <> NEW.id AND p.space_id = NEW.space_id AND p.status IN ('pending', 'offered', 'confirmed')
           AND p.start_at > NEW.start_at AND p.start_at < NEW.end_at)
    ) > (SELECT capacity FROM spaces WHERE id = NEW.space_id);
END;
