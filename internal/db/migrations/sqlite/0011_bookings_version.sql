-- bookings_version counts the changes to the seats a place's bookings
-- hold: a new booking, a change of its space, times, seats or status to or
-- from a holding one, a deletion. The booking service keeps the seats held
-- in a place as of a version, and reads them again when it moved.
ALTER TABLE places ADD COLUMN bookings_version INTEGER NOT NULL DEFAULT 0;

CREATE TRIGGER bookings_version_insert AFTER INSERT ON bookings
WHEN NEW.status IN ('pending', 'offered', 'confirmed')
BEGIN
    UPDATE places SET bookings_version = bookings_version + 1 WHERE id = (SELECT place_id FROM spaces WHERE id = NEW.space_id);
END;

CREATE TRIGGER bookings_version_update AFTER UPDATE OF space_id, start_at, end_at, seats, status ON bookings
WHEN OLD.status IN ('pending', 'offered', 'confirmed') OR NEW.status IN ('pending', 'offered', 'confirmed')
BEGIN
    UPDATE places SET bookings_version = bookings_version + 1
    WHERE id IN (SELECT place_id FROM spaces WHERE id IN (OLD.space_id, NEW.space_id));
END;

CREATE TRIGGER bookings_version_delete AFTER DELETE ON bookings
WHEN OLD.status IN ('pending', 'offered', 'confirmed')
BEGIN
    UPDATE places SET bookings_version = bookings_version + 1 WHERE id = (SELECT place_id FROM spaces WHERE id = OLD.space_id);
END;
