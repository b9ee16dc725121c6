-- Needs surveys (issue 5): campaigns on a territory, versioned
-- questionnaires, anonymous answers, paper keyings, imports, and the
-- residents who asked to be told when a place opens.
--
-- Anonymous by construction: an answer row holds the questionnaire version,
-- the day (no finer time), how it came (web, paper, import), the commune
-- whose bulletin link brought it, the commune of residence and the answers.
-- No account, address or user agent. Contacts live in a table of their own
-- with no link to any answer, no sequential key and the day only.

CREATE TABLE surveys (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    public_id TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    intro TEXT NOT NULL DEFAULT '',
    privacy TEXT NOT NULL DEFAULT '',
    opens_on TEXT NOT NULL,  -- YYYY-MM-DD, Paris: first day of answers
    closes_on TEXT NOT NULL, -- YYYY-MM-DD, Paris: last day of answers
    carrier_id BIGINT REFERENCES carriers(id) ON DELETE SET NULL, -- a manager's carrier; NULL: the network's
    created_by BIGINT REFERENCES users(id) ON DELETE SET NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    -- Bumped whenever stored answers change or go, so that cached results
    -- are rebuilt; new answers are picked up by their increasing id.
    revision INTEGER NOT NULL DEFAULT 0,
    CONSTRAINT surveys_dates CHECK (closes_on >= opens_on)
);

-- The territory as chosen (EPCI and communes) and as answered: every
-- commune, with its EPCI and the short link of its bulletin municipal.
CREATE TABLE survey_areas (
    survey_id BIGINT NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('epci', 'commune')),
    code TEXT NOT NULL,
    PRIMARY KEY (survey_id, code)
);
CREATE TABLE survey_communes (
    survey_id BIGINT NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
    commune_code TEXT NOT NULL,
    epci_siren TEXT NOT NULL DEFAULT '',
    link TEXT NOT NULL UNIQUE,
    PRIMARY KEY (survey_id, commune_code)
);

CREATE TABLE survey_versions (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    survey_id BIGINT NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
    number INTEGER NOT NULL CHECK (number >= 1),
    questionnaire TEXT NOT NULL, -- JSON
    created_at TIMESTAMPTZ NOT NULL,
    UNIQUE (survey_id, number)
);

CREATE TABLE survey_imports (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    public_id TEXT NOT NULL UNIQUE,
    survey_id BIGINT NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
    format TEXT NOT NULL CHECK (format IN ('surveymonkey', 'limesurvey')),
    filename TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    data BYTEA,             -- the file, until it is imported
    mapping TEXT NOT NULL DEFAULT '', -- JSON, as last chosen
    created_by BIGINT REFERENCES users(id) ON DELETE SET NULL,
    created_at TIMESTAMPTZ NOT NULL,
    imported_at TIMESTAMPTZ,
    responses INTEGER NOT NULL DEFAULT 0
);
-- The same file is imported once.
CREATE UNIQUE INDEX survey_imports_once ON survey_imports(survey_id, sha256) WHERE imported_at IS NOT NULL;

CREATE TABLE survey_responses (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    survey_id BIGINT NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
    version_id BIGINT NOT NULL REFERENCES survey_versions(id),
    answered_on TEXT NOT NULL, -- YYYY-MM-DD: the day, nothing finer
    source TEXT NOT NULL CHECK (source IN ('web', 'paper', 'import')),
    channel TEXT,              -- the commune whose link brought the answer
    commune_code TEXT,         -- the commune of residence
    answers TEXT NOT NULL,     -- JSON: question id → value
    sheet TEXT,                -- the number written on a paper sheet
    import_id BIGINT REFERENCES survey_imports(id) ON DELETE CASCADE,
    CONSTRAINT survey_responses_sheet CHECK ((source = 'paper') = (sheet IS NOT NULL))
);
CREATE INDEX survey_responses_survey ON survey_responses(survey_id, id);
CREATE UNIQUE INDEX survey_responses_sheet_once ON survey_responses(survey_id, sheet) WHERE sheet IS NOT NULL;

-- The second keying of a paper sheet: the answers keyed again, blind, and
-- the questions on which the two keyings disagree until someone settles them.
CREATE TABLE survey_keyings (
    response_id BIGINT PRIMARY KEY REFERENCES survey_responses(id) ON DELETE CASCADE,
    answers TEXT NOT NULL,
    differs TEXT NOT NULL DEFAULT '', -- space-separated question ids
    settled BOOLEAN NOT NULL DEFAULT FALSE
);

CREATE TABLE survey_contacts (
    survey_id BIGINT NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
    email TEXT NOT NULL,
    commune_code TEXT,
    consent TEXT NOT NULL,   -- the wording the resident agreed to
    consented_on TEXT NOT NULL, -- YYYY-MM-DD
    PRIMARY KEY (survey_id, email)
);

-- The territories an official account reads (EPCI SIREN or commune code).
CREATE TABLE official_areas (
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('epci', 'commune')),
    code TEXT NOT NULL,
    PRIMARY KEY (user_id, code)
);
