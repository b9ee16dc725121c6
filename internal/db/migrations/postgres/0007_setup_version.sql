-- setup_version counts the changes to what booking reads of a place: its
-- row, its spaces, rules, audience windows and blocked days. The booking
-- service caches a place's setup and reads it again when the count moved.
ALTER TABLE places ADD COLUMN setup_version INTEGER NOT NULL DEFAULT 0;

CREATE FUNCTION places_setup_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.setup_version := OLD.setup_version + 1;
    RETURN NEW;
END
$$;

CREATE TRIGGER places_setup_version BEFORE UPDATE OF slug, name, status, opening_hours, carrier_id ON places
    FOR EACH ROW EXECUTE FUNCTION places_setup_version();

-- A change to a part of the setup counts for its place (both, when a row
-- moves from one place to another).
CREATE FUNCTION setup_part_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        UPDATE places SET setup_version = setup_version + 1 WHERE id = OLD.place_id;
    END IF;
    IF TG_OP <> 'DELETE' AND (TG_OP = 'INSERT' OR NEW.place_id <> OLD.place_id) THEN
        UPDATE places SET setup_version = setup_version + 1 WHERE id = NEW.place_id;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER spaces_setup AFTER INSERT OR UPDATE OR DELETE ON spaces
    FOR EACH ROW EXECUTE FUNCTION setup_part_changed();
CREATE TRIGGER booking_rules_setup AFTER INSERT OR UPDATE OR DELETE ON booking_rules
    FOR EACH ROW EXECUTE FUNCTION setup_part_changed();
CREATE TRIGGER audience_windows_setup AFTER INSERT OR UPDATE OR DELETE ON audience_windows
    FOR EACH ROW EXECUTE FUNCTION setup_part_changed();
CREATE TRIGGER blocked_dates_setup AFTER INSERT OR UPDATE OR DELETE ON blocked_dates
    FOR EACH ROW EXECUTE FUNCTION setup_part_changed();

-- A booking lasts a day at most (the service keeps it within one day of
-- Paris; 26 hours leaves room for the DST change): the guard below then
-- needs only look at bookings that start in the 26 hours before another,
-- instead of the whole history of a space.
ALTER TABLE bookings ADD CONSTRAINT bookings_length CHECK (end_at - start_at <= interval '26 hours');

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
           AND b.start_at > NEW.start_at - interval '26 hours'
           AND b.start_at <= NEW.start_at AND b.end_at > NEW.start_at),
        (SELECT COALESCE(MAX((SELECT SUM(b.seats) FROM bookings b
                              WHERE b.id <> NEW.id AND b.space_id = NEW.space_id AND b.status IN ('pending', 'offered', 'confirmed')
                                AND b.start_at > p.start_at - interval '26 hours'
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
