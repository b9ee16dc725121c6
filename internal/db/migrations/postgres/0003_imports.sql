-- Imports of places from open-data files: the uploaded file waits here
-- between its preview and its confirmation; imported places keep the key
-- of their row, so importing the same file again changes nothing.
ALTER TABLE places ADD COLUMN source_key TEXT;
CREATE UNIQUE INDEX places_source_key ON places(source_key) WHERE source_key IS NOT NULL;

CREATE TABLE imports (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    public_id TEXT NOT NULL UNIQUE,
    format TEXT NOT NULL CHECK (format IN ('standard', 'cget2019')),
    filename TEXT NOT NULL,
    data BYTEA NOT NULL,
    carrier_id BIGINT NOT NULL REFERENCES carriers(id) ON DELETE CASCADE,
    created_by BIGINT REFERENCES users(id) ON DELETE SET NULL,
    created_at TIMESTAMPTZ NOT NULL,
    imported_at TIMESTAMPTZ,
    created_places INTEGER NOT NULL DEFAULT 0
);
