-- bookings_version counts the changes to the seats a place's bookings
-- hold: a new booking, a change of its space, times, seats or status to or
-- from a holding one, a deletion. The booking service keeps the seats held
-- in a place as of a version, and reads them again when it moved.
ALTER TABLE places ADD COLUMN bookings_version bigint NOT NULL DEFAULT 0;

CREATE FUNCTION bookings_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' AND OLD.status IN ('pending', 'offered', 'confirmed') THEN
        UPDATE places SET bookings_version = bookings_version + 1 WHERE id = (SELECT place_id FROM spaces WHERE id = OLD.space_id);
    END IF;
    IF TG_OP <> 'DELETE' AND NEW.status IN ('pending', 'offered', 'confirmed')
       AND (TG_OP = 'INSERT' OR NOT OLD.status IN ('pending', 'offered', 'confirmed') OR NEW.space_id <> OLD.space_id) THEN
        UPDATE places SET bookings_version = bookings_version + 1 WHERE id = (SELECT place_id FROM spaces WHERE id = NEW.space_id);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER bookings_version AFTER INSERT OR DELETE OR UPDATE OF space_id, start_at, end_at, seats, status ON bookings
    FOR EACH ROW EXECUTE FUNCTION bookings_version();
