-- Calls for expressions of interest (AMI), their applications, instruction,
-- site visits, diagnostics and action plans (issue 6).

CREATE TABLE calls (
    id INTEGER PRIMARY KEY,
    public_id TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    body TEXT NOT NULL DEFAULT '',
    areas TEXT NOT NULL DEFAULT '',   -- space-separated: département codes, EPCI SIRENs
    kinds TEXT NOT NULL DEFAULT '',   -- space-separated carrier kinds the call targets
    opens_on TEXT NOT NULL,           -- YYYY-MM-DD, Paris
    closes_on TEXT NOT NULL,
    questionnaire TEXT NOT NULL,      -- JSON, the survey package's questionnaire
    documents TEXT NOT NULL DEFAULT '[]', -- JSON: the documents requested
    created_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CONSTRAINT calls_dates CHECK (closes_on >= opens_on)
);

-- An application: its file, completed over several visits through a
-- private link (only the hash of its secret is kept), then instructed.
CREATE TABLE applications (
    id INTEGER PRIMARY KEY,
    public_id TEXT NOT NULL UNIQUE,
    call_id INTEGER NOT NULL REFERENCES calls(id) ON DELETE CASCADE,
    secret_hash TEXT NOT NULL UNIQUE,
    link_expires_at TIMESTAMP NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('draft', 'submitted', 'instruction', 'accepted', 'refused', 'closed')),
    structure TEXT NOT NULL DEFAULT '',
    carrier_kind TEXT NOT NULL DEFAULT '',
    commune_code TEXT,
    contact_name TEXT NOT NULL DEFAULT '',
    contact_email TEXT NOT NULL,
    contact_phone TEXT NOT NULL DEFAULT '',
    answers TEXT NOT NULL DEFAULT '{}', -- JSON: question id → value
    reason TEXT NOT NULL DEFAULT '',    -- the reason of the last decision, sent to the candidate
    place_id INTEGER REFERENCES places(id) ON DELETE SET NULL, -- the place it became
    created_at TIMESTAMP NOT NULL,
    submitted_at TIMESTAMP,
    decided_at TIMESTAMP,
    state_since TIMESTAMP NOT NULL
);
CREATE INDEX applications_call ON applications(call_id, state);

-- Everything that happens to an application, with who and when: state
-- changes, private notes, questions to the candidate and their answers,
-- phone interviews and site visits.
CREATE TABLE application_events (
    id INTEGER PRIMARY KEY,
    application_id INTEGER NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
    at TIMESTAMP NOT NULL,
    by_user INTEGER REFERENCES users(id) ON DELETE SET NULL, -- NULL: the candidate
    by_name TEXT NOT NULL DEFAULT '',
    kind TEXT NOT NULL CHECK (kind IN ('created', 'state', 'note', 'question', 'answer', 'interview', 'visit', 'document', 'place')),
    from_state TEXT,
    to_state TEXT,
    body TEXT NOT NULL DEFAULT '',
    on_day TEXT,                -- interviews and visits: the day they took place
    data TEXT NOT NULL DEFAULT '' -- JSON: a visit's checklist
);
CREATE INDEX application_events_application ON application_events(application_id, id);

CREATE TABLE application_documents (
    id INTEGER PRIMARY KEY,
    public_id TEXT NOT NULL UNIQUE,
    application_id INTEGER NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
    code TEXT NOT NULL,        -- which requested document
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    data BLOB NOT NULL,
    uploaded_at TIMESTAMP NOT NULL
);
CREATE INDEX application_documents_application ON application_documents(application_id);

-- Diagnostics: a coordinator's adjustment of a computed score, with its
-- reason; subject is an application or a place.
CREATE TABLE diagnostic_adjustments (
    subject_kind TEXT NOT NULL CHECK (subject_kind IN ('application', 'place')),
    subject_id INTEGER NOT NULL,
    component TEXT NOT NULL CHECK (component IN ('demand', 'supply', 'governance', 'neighbourhood')),
    score INTEGER NOT NULL CHECK (score BETWEEN 0 AND 100),
    reason TEXT NOT NULL,
    by_user INTEGER REFERENCES users(id) ON DELETE SET NULL,
    at TIMESTAMP NOT NULL,
    PRIMARY KEY (subject_kind, subject_id, component)
);

-- Action plans: each action with its owner and due date, tracked.
CREATE TABLE plan_actions (
    id INTEGER PRIMARY KEY,
    public_id TEXT NOT NULL UNIQUE,
    subject_kind TEXT NOT NULL CHECK (subject_kind IN ('application', 'place')),
    subject_id INTEGER NOT NULL,
    code TEXT NOT NULL DEFAULT '',   -- the suggestion it came from, if any
    title TEXT NOT NULL,
    owner TEXT NOT NULL DEFAULT '',
    due_on TEXT,                     -- YYYY-MM-DD
    status TEXT NOT NULL CHECK (status IN ('todo', 'doing', 'done', 'dropped')),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX plan_actions_subject ON plan_actions(subject_kind, subject_id);
