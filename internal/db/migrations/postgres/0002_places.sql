-- Carriers (porteurs), their managers, places, spaces and photos.
CREATE TABLE carriers (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('epci', 'commune', 'association', 'company', 'individual', 'ppp')),
    siren TEXT,
    siret TEXT,
    rna TEXT,
    address TEXT NOT NULL DEFAULT '',
    commune_code TEXT,
    email TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL DEFAULT '',
    website TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX carriers_siret ON carriers(siret) WHERE siret IS NOT NULL;

CREATE TABLE carrier_managers (
    carrier_id BIGINT NOT NULL REFERENCES carriers(id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    PRIMARY KEY (carrier_id, user_id)
);
CREATE INDEX carrier_managers_user ON carrier_managers(user_id);

CREATE TABLE places (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    carrier_id BIGINT NOT NULL REFERENCES carriers(id),
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('eric', 'tiers_lieu', 'incubator', 'library', 'other')),
    status TEXT NOT NULL CHECK (status IN ('project', 'testing', 'open', 'closed')),
    address TEXT NOT NULL,
    postal_code TEXT NOT NULL,
    commune_code TEXT NOT NULL,
    lat DOUBLE PRECISION NOT NULL,
    lon DOUBLE PRECISION NOT NULL,
    identity TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    audience TEXT NOT NULL CHECK (audience IN ('professionals', 'e_inclusion', 'both')),
    services TEXT NOT NULL DEFAULT '',   -- space-separated codes
    equipment TEXT NOT NULL DEFAULT '',  -- space-separated codes
    connection_kind TEXT NOT NULL DEFAULT '',
    down_mbps DOUBLE PRECISION,
    up_mbps DOUBLE PRECISION,
    measured_on TEXT,                    -- YYYY-MM-DD
    reception_orange TEXT NOT NULL DEFAULT '',
    reception_sfr TEXT NOT NULL DEFAULT '',
    reception_bouygues TEXT NOT NULL DEFAULT '',
    reception_free TEXT NOT NULL DEFAULT '',
    prices TEXT NOT NULL DEFAULT '',
    opening_hours TEXT NOT NULL DEFAULT '',
    contact_name TEXT NOT NULL DEFAULT '',
    contact_email TEXT NOT NULL DEFAULT '',
    contact_phone TEXT NOT NULL DEFAULT '',
    website TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX places_carrier ON places(carrier_id);
CREATE INDEX places_commune ON places(commune_code);

-- The concierges of a place.
CREATE TABLE place_staff (
    place_id BIGINT NOT NULL REFERENCES places(id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    PRIMARY KEY (place_id, user_id)
);
CREATE INDEX place_staff_user ON place_staff(user_id);

CREATE TABLE spaces (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    public_id TEXT NOT NULL UNIQUE,
    place_id BIGINT NOT NULL REFERENCES places(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('open_space', 'office', 'meeting_room', 'equipment')),
    capacity INTEGER NOT NULL CHECK (capacity >= 1),
    audience TEXT NOT NULL CHECK (audience IN ('professionals', 'e_inclusion', 'both')),
    description TEXT NOT NULL DEFAULT '',
    position INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX spaces_place ON spaces(place_id, position);

-- Photos are kept in the database: one file to back up, served by us.
CREATE TABLE photos (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    public_id TEXT NOT NULL UNIQUE,
    place_id BIGINT NOT NULL REFERENCES places(id) ON DELETE CASCADE,
    space_id BIGINT REFERENCES spaces(id) ON DELETE CASCADE,
    alt TEXT NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    data BYTEA NOT NULL,         -- JPEG, resized
    thumb BYTEA NOT NULL,        -- JPEG, small
    position INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX photos_place ON photos(place_id, position);
