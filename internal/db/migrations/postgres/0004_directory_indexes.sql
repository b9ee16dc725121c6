-- The directory reads the public places inside a box, by name.
CREATE INDEX places_name ON places(name, id);
CREATE INDEX places_position ON places(lat, lon);
