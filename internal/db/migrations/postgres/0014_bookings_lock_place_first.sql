-- Every write of bookings locks their place first, then their space: the
-- booking service's writes (its one-statement bookings, in pipelines that
-- hold the locks of several, and its transactions) and this guard, which
-- locked the space first. Writers taking the two in opposite orders
-- deadlocked, each waiting for the other until the server ended one after
-- a second. The place's lock was taken anyway, later: the count of its
-- bookings' changes (bookings_version) updates its row.
CREATE OR REPLACE FUNCTION bookings_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    space_capacity integer;
    space_kind text;
    used integer;
BEGIN
    -- The locks make concurrent writers of one space count one after the
    -- other: its place's first, then its own.
    PERFORM 1 FROM places WHERE id = (SELECT place_id FROM spaces WHERE id = NEW.space_id) FOR UPDATE;
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
