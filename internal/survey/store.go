package survey

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"coopconnect/internal/accounts"
	"coopconnect/internal/coop"
	"coopconnect/internal/db"
)

var (
	errNotFound  = coop.Errorf(coop.ENotFound, "error.not_found")
	errForbidden = coop.Errorf(coop.EForbidden, "error.forbidden")
)

// Input is the campaign form, as typed.
type Input struct {
	Title, Intro, Privacy string
	OpensOn, ClosesOn     string // YYYY-MM-DD
	// Areas are EPCI SIRENs, commune INSEE codes or commune names,
	// separated by commas or lines.
	Areas string
	// CarrierID, for a manager, is the carrier the campaign belongs to.
	CarrierID int64
}

// InputOf fills a form from a campaign, to edit it.
func InputOf(s Survey) Input {
	codes := make([]string, len(s.Areas))
	for i, a := range s.Areas {
		codes[i] = a.Code
	}
	return Input{Title: s.Title, Intro: s.Intro, Privacy: s.Privacy, OpensOn: s.OpensOn, ClosesOn: s.ClosesOn,
		Areas: strings.Join(codes, ", "), CarrierID: s.CarrierID}
}

// DefaultPrivacy is the privacy notice a campaign starts with.
const DefaultPrivacy = "Vos réponses sont anonymes : nous ne conservons ni votre nom, ni votre adresse IP, ni l'heure de votre réponse (seulement le jour). " +
	"Elles servent uniquement à mesurer les besoins du territoire ; les résultats publiés ne montrent jamais un groupe de moins de 5 personnes. " +
	"Si vous laissez votre adresse électronique pour être prévenu·e de l'ouverture d'un lieu, elle est conservée à part, sans lien avec vos réponses, et supprimée sur simple demande."

// validate checks the form and resolves the territory.
func (s *Service) validate(in Input) (Survey, []Area, error) {
	p := coop.Problems{}
	sv := Survey{Title: strings.TrimSpace(in.Title), Intro: strings.TrimSpace(in.Intro), Privacy: strings.TrimSpace(in.Privacy),
		OpensOn: strings.TrimSpace(in.OpensOn), ClosesOn: strings.TrimSpace(in.ClosesOn), CarrierID: in.CarrierID}
	switch n := utf8.RuneCountInString(sv.Title); {
	case n == 0:
		p.Add("title", "error.required")
	case n > 160:
		p.Add("title", "error.too_long")
	}
	if utf8.RuneCountInString(sv.Intro) > 4000 {
		p.Add("intro", "error.too_long")
	}
	if sv.Privacy == "" {
		p.Add("privacy", "error.required")
	} else if utf8.RuneCountInString(sv.Privacy) > 4000 {
		p.Add("privacy", "error.too_long")
	}
	if opens, closes, ok := p.Days("opens_on", sv.OpensOn, "closes_on", sv.ClosesOn, "survey.closes_before_opens"); ok && closes.Sub(opens) > 366*24*time.Hour {
		p.Add("closes_on", "survey.too_long_campaign")
	}
	areas, key := s.parseAreas(in.Areas)
	if key != "" {
		p.Add("areas", key)
	}
	return sv, areas, p.Err()
}

// parseAreas reads the territory: EPCI SIRENs, commune codes or names.
func (s *Service) parseAreas(text string) ([]Area, string) {
	var out []Area
	for _, f := range strings.FieldsFunc(text, func(r rune) bool { return r == ',' || r == '\n' || r == ';' }) {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		var a Area
		if e, ok := s.Territory.EPCI(strings.ReplaceAll(f, " ", "")); ok {
			a = Area{Kind: "epci", Code: e.SIREN, Name: e.Name}
		} else if code, _ := s.Territory.ResolveCommune(f, ""); code != "" {
			c, _ := s.Territory.Commune(code)
			a = Area{Kind: "commune", Code: c.Code, Name: c.Name}
		} else {
			return nil, "survey.area_unknown"
		}
		if !slices.ContainsFunc(out, func(b Area) bool { return b.Code == a.Code }) {
			out = append(out, a)
		}
	}
	if len(out) == 0 {
		return nil, "survey.area_required"
	}
	return out, ""
}

// communesOf expands areas into their communes, sorted by code.
func (s *Service) communesOf(areas []Area) []SurveyCommune {
	seen := map[string]bool{}
	var out []SurveyCommune
	add := func(code string) {
		c, ok := s.Territory.Commune(code)
		if !ok || seen[code] {
			return
		}
		seen[code] = true
		out = append(out, SurveyCommune{Code: c.Code, Name: c.Name, EPCI: c.EPCI})
	}
	for _, a := range areas {
		if a.Kind == "epci" {
			for _, c := range s.Territory.Members(a.Code) {
				add(c.Code)
			}
		} else {
			add(a.Code)
		}
	}
	slices.SortFunc(out, func(a, b SurveyCommune) int { return strings.Compare(a.Code, b.Code) })
	return out
}

// managedEPCIs returns the EPCI of the carriers a manager manages: the
// EPCI itself for an EPCI carrier, the EPCI of its commune otherwise.
func (s *Service) managedEPCIs(ctx context.Context, tx *db.Tx, by accounts.User) (map[int64]string, error) {
	rows, err := tx.QueryContext(ctx, `SELECT c.id, c.kind, COALESCE(c.siren, ''), COALESCE(c.commune_code, '')
		FROM carriers c JOIN carrier_managers m ON m.carrier_id = c.id WHERE m.user_id = $1`, by.ID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]string{}
	for rows.Next() {
		var id int64
		var kind, siren, commune string
		if err := rows.Scan(&id, &kind, &siren, &commune); err != nil {
			return nil, err
		}
		if e, ok := s.Territory.EPCI(siren); ok && kind == "epci" {
			out[id] = e.SIREN
		} else if c, ok := s.Territory.Commune(commune); ok {
			out[id] = c.EPCI
		}
	}
	return out, rows.Err()
}

// Create opens a campaign with the default questionnaire. Coordinators
// open them anywhere; a manager on the territory of one of its carriers
// (the carrier's EPCI).
func (s *Service) Create(ctx context.Context, by accounts.User, in Input) (Survey, error) {
	return s.CreateWith(ctx, by, in, Default())
}

// CreateWith opens a campaign with the given questionnaire.
func (s *Service) CreateWith(ctx context.Context, by accounts.User, in Input, qn Questionnaire) (Survey, error) {
	sv, areas, err := s.validate(in)
	if err != nil {
		return sv, err
	}
	if len(qn.Check()) > 0 {
		return sv, coop.Errorf(coop.EInvalid, "survey.editor.invalid")
	}
	var publicID string
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		if err := s.checkTerritory(ctx, tx, by, sv.CarrierID, areas); err != nil {
			return err
		}
		publicID = newID(10)
		var id int64
		err := tx.QueryRowContext(ctx, `INSERT INTO surveys (public_id, title, intro, privacy, opens_on, closes_on, carrier_id, created_by, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id`,
			publicID, sv.Title, sv.Intro, sv.Privacy, sv.OpensOn, sv.ClosesOn, nullID(sv.CarrierID), by.ID, tx.Now).Scan(&id)
		if err != nil {
			return err
		}
		if err := s.saveTerritory(ctx, tx, id, areas); err != nil {
			return err
		}
		return insertVersion(ctx, tx, id, 1, qn)
	})
	if err != nil {
		return sv, err
	}
	return s.Get(ctx, publicID)
}

// checkTerritory allows a manager only the EPCI of the carrier chosen.
func (s *Service) checkTerritory(ctx context.Context, tx *db.Tx, by accounts.User, carrierID int64, areas []Area) error {
	switch by.Role {
	case accounts.Coordinator:
		if carrierID != 0 {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM carriers WHERE id = $1`, carrierID).Scan(&n); err != nil || n == 0 {
				return (coop.Problems{"carrier": "survey.carrier_unknown"}).Err()
			}
		}
		return nil
	case accounts.Manager:
		epcis, err := s.managedEPCIs(ctx, tx, by)
		if err != nil {
			return err
		}
		epci, ok := epcis[carrierID]
		if !ok {
			return (coop.Problems{"carrier": "survey.carrier_unknown"}).Err()
		}
		for _, c := range s.communesOf(areas) {
			if c.EPCI != epci || epci == "" {
				return (coop.Problems{"areas": "survey.area_outside_carrier"}).Err()
			}
		}
		return nil
	}
	return errForbidden
}

// saveTerritory writes the areas and the communes, keeping the short link
// of a commune that stays.
func (s *Service) saveTerritory(ctx context.Context, tx *db.Tx, surveyID int64, areas []Area) error {
	links := map[string]string{}
	rows, err := tx.QueryContext(ctx, `SELECT commune_code, link FROM survey_communes WHERE survey_id = $1`, surveyID)
	if err != nil {
		return err
	}
	for rows.Next() {
		var code, link string
		if err := rows.Scan(&code, &link); err != nil {
			rows.Close()
			return err
		}
		links[code] = link
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, q := range []string{`DELETE FROM survey_areas WHERE survey_id = $1`, `DELETE FROM survey_communes WHERE survey_id = $1`} {
		if _, err := tx.ExecContext(ctx, q, surveyID); err != nil {
			return err
		}
	}
	for _, a := range areas {
		if _, err := tx.ExecContext(ctx, `INSERT INTO survey_areas (survey_id, kind, code) VALUES ($1, $2, $3)`, surveyID, a.Kind, a.Code); err != nil {
			return err
		}
	}
	for _, c := range s.communesOf(areas) {
		link := links[c.Code]
		if link == "" {
			link = newID(7)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO survey_communes (survey_id, commune_code, epci_siren, link) VALUES ($1, $2, $3, $4)`,
			surveyID, c.Code, c.EPCI, link); err != nil {
			return err
		}
	}
	return nil
}

// Update changes a campaign's texts, dates and territory.
func (s *Service) Update(ctx context.Context, by accounts.User, publicID string, in Input) (Survey, error) {
	sv, areas, err := s.validate(in)
	if err != nil {
		return sv, err
	}
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		id, carrier, err := s.manageable(ctx, tx, by, publicID)
		if err != nil {
			return err
		}
		if by.Role == accounts.Manager {
			sv.CarrierID = carrier
		}
		if err := s.checkTerritory(ctx, tx, by, sv.CarrierID, areas); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE surveys SET title = $1, intro = $2, privacy = $3, opens_on = $4, closes_on = $5, carrier_id = $6, updated_at = $7 WHERE id = $8`,
			sv.Title, sv.Intro, sv.Privacy, sv.OpensOn, sv.ClosesOn, nullID(sv.CarrierID), tx.Now, id); err != nil {
			return err
		}
		return s.saveTerritory(ctx, tx, id, areas)
	})
	if err != nil {
		return sv, err
	}
	return s.Get(ctx, publicID)
}

// manageable returns the id and carrier of a campaign by may manage.
func (s *Service) manageable(ctx context.Context, tx *db.Tx, by accounts.User, publicID string) (int64, int64, error) {
	var id int64
	var carrier sql.NullInt64
	err := tx.QueryRowContext(ctx, `SELECT id, carrier_id FROM surveys WHERE public_id = $1`, publicID).Scan(&id, &carrier)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, 0, errNotFound
	}
	if err != nil {
		return 0, 0, err
	}
	ok, err := s.mayManage(ctx, tx, by, carrier.Int64)
	if err != nil {
		return 0, 0, err
	}
	if !ok {
		return 0, 0, errNotFound
	}
	return id, carrier.Int64, nil
}

func (s *Service) mayManage(ctx context.Context, tx *db.Tx, by accounts.User, carrierID int64) (bool, error) {
	switch by.Role {
	case accounts.Coordinator:
		return true, nil
	case accounts.Manager:
		if carrierID == 0 {
			return false, nil
		}
		var n int
		err := tx.QueryRowContext(ctx, `SELECT count(*) FROM carrier_managers WHERE carrier_id = $1 AND user_id = $2`, carrierID, by.ID).Scan(&n)
		return n > 0, err
	}
	return false, nil
}

// CanManage tells whether by may edit the campaign, key in its paper
// answers, import and export its answers.
func (s *Service) CanManage(ctx context.Context, by accounts.User, sv Survey) (bool, error) {
	var ok bool
	err := s.DB.Read(ctx, func(tx *db.Tx) (err error) {
		ok, err = s.mayManage(ctx, tx, by, sv.CarrierID)
		return err
	})
	return ok, err
}

// Get returns a campaign by its public id, with its territory and current
// version. Anyone may answer an open campaign: visibility of results is
// checked by Readable.
func (s *Service) Get(ctx context.Context, publicID string) (Survey, error) {
	var sv Survey
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		var err error
		sv, err = s.get(ctx, tx, `s.public_id = $1`, publicID)
		return err
	})
	return sv, err
}

// ByLink returns the campaign and commune of a short link.
func (s *Service) ByLink(ctx context.Context, link string) (Survey, SurveyCommune, error) {
	var sv Survey
	var c SurveyCommune
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		var id int64
		err := tx.QueryRowContext(ctx, `SELECT survey_id, commune_code FROM survey_communes WHERE link = $1`, link).Scan(&id, &c.Code)
		if errors.Is(err, sql.ErrNoRows) {
			return errNotFound
		}
		if err != nil {
			return err
		}
		sv, err = s.get(ctx, tx, `s.id = $1`, id)
		return err
	})
	if err != nil {
		return sv, c, err
	}
	for _, x := range sv.Communes {
		if x.Code == c.Code {
			c = x
		}
	}
	return sv, c, nil
}

func (s *Service) get(ctx context.Context, tx *db.Tx, where string, arg any) (Survey, error) {
	rows, err := s.list(ctx, tx, false, where, arg)
	if err != nil {
		return Survey{}, err
	}
	if len(rows) == 0 {
		return Survey{}, errNotFound
	}
	sv := rows[0]
	areas, err := tx.QueryContext(ctx, `SELECT kind, code FROM survey_areas WHERE survey_id = $1 ORDER BY kind DESC, code`, sv.ID)
	if err != nil {
		return sv, err
	}
	for areas.Next() {
		var a Area
		if err := areas.Scan(&a.Kind, &a.Code); err != nil {
			areas.Close()
			return sv, err
		}
		if e, ok := s.Territory.EPCI(a.Code); ok && a.Kind == "epci" {
			a.Name = e.Name
		} else if c, ok := s.Territory.Commune(a.Code); ok {
			a.Name = c.Name
		}
		sv.Areas = append(sv.Areas, a)
	}
	areas.Close()
	if err := areas.Err(); err != nil {
		return sv, err
	}
	communes, err := tx.QueryContext(ctx, `SELECT commune_code, epci_siren, link FROM survey_communes WHERE survey_id = $1 ORDER BY commune_code`, sv.ID)
	if err != nil {
		return sv, err
	}
	defer communes.Close()
	for communes.Next() {
		var c SurveyCommune
		if err := communes.Scan(&c.Code, &c.EPCI, &c.Link); err != nil {
			return sv, err
		}
		if x, ok := s.Territory.Commune(c.Code); ok {
			c.Name = x.Name
		}
		sv.Communes = append(sv.Communes, c)
	}
	if err := communes.Err(); err != nil {
		return sv, err
	}
	sv.Version, err = currentVersion(ctx, tx, sv.ID)
	return sv, err
}

// list reads campaigns (without territory and questionnaire), newest
// first; counted, with their number of answers (a count that grows with
// the campaign: the answering pages do without).
func (s *Service) list(ctx context.Context, tx *db.Tx, counted bool, where string, args ...any) ([]Survey, error) {
	count := `0`
	if counted {
		count = `(SELECT count(*) FROM survey_responses r WHERE r.survey_id = s.id)`
	}
	rows, err := tx.QueryContext(ctx, `SELECT s.id, s.public_id, s.title, s.intro, s.privacy, s.opens_on, s.closes_on,
			COALESCE(s.carrier_id, 0), COALESCE(c.name, ''), s.created_at, `+count+`
		FROM surveys s LEFT JOIN carriers c ON c.id = s.carrier_id
		WHERE `+where+` ORDER BY s.opens_on DESC, s.id DESC`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Survey
	for rows.Next() {
		var sv Survey
		if err := rows.Scan(&sv.ID, &sv.PublicID, &sv.Title, &sv.Intro, &sv.Privacy, &sv.OpensOn, &sv.ClosesOn,
			&sv.CarrierID, &sv.CarrierName, &sv.CreatedAt, &sv.Responses); err != nil {
			return nil, err
		}
		out = append(out, sv)
	}
	return out, rows.Err()
}

// Visible lists the campaigns by may see: all for coordinators, their
// carriers' for managers, those touching their territories for officials.
func (s *Service) Visible(ctx context.Context, by accounts.User) ([]Survey, error) {
	var out []Survey
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		var err error
		switch by.Role {
		case accounts.Coordinator:
			out, err = s.list(ctx, tx, true, `TRUE`)
		case accounts.Manager:
			out, err = s.list(ctx, tx, true, `s.carrier_id IN (SELECT carrier_id FROM carrier_managers WHERE user_id = $1)`, by.ID)
		case accounts.Official:
			out, err = s.list(ctx, tx, true, `EXISTS (SELECT 1 FROM survey_communes sc JOIN official_areas oa ON oa.user_id = $1
				AND (oa.code = sc.commune_code OR oa.code = sc.epci_siren) WHERE sc.survey_id = s.id)`, by.ID)
		}
		return err
	})
	return out, err
}

// Answerable lists the campaigns open on day (YYYY-MM-DD, Paris), with
// their territory, soonest closing first: the public list of surveys.
func (s *Service) Answerable(ctx context.Context, day string) ([]Survey, error) {
	var out []Survey
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		list, err := s.list(ctx, tx, false, `s.opens_on <= $1 AND s.closes_on >= $1`, day)
		if err != nil {
			return err
		}
		for _, x := range list {
			sv, err := s.get(ctx, tx, `s.id = $1`, x.ID)
			if err != nil {
				return err
			}
			out = append(out, sv)
		}
		return nil
	})
	slices.SortStableFunc(out, func(a, b Survey) int { return strings.Compare(a.ClosesOn, b.ClosesOn) })
	return out, err
}

// Readable returns the territories of a campaign whose results by may
// read: nil and true for everything (coordinators, the campaign's
// managers); an official only the EPCI and communes of their own areas.
func (s *Service) Readable(ctx context.Context, by accounts.User, sv Survey) (codes []string, all bool, err error) {
	err = s.DB.Read(ctx, func(tx *db.Tx) error {
		if ok, err := s.mayManage(ctx, tx, by, sv.CarrierID); ok || err != nil {
			all = ok
			return err
		}
		if by.Role != accounts.Official {
			return nil
		}
		areas, err := s.OfficialAreas(ctx, tx, by.ID)
		if err != nil {
			return err
		}
		for _, a := range areas {
			for _, c := range sv.Communes {
				if c.Code == a.Code || (a.Kind == "epci" && c.EPCI == a.Code) {
					codes = append(codes, c.Code)
					if c.EPCI == a.Code && !slices.Contains(codes, a.Code) {
						codes = append(codes, a.Code)
					}
				}
			}
		}
		return nil
	})
	return codes, all, err
}

// OfficialAreas returns the territories an official reads.
func (s *Service) OfficialAreas(ctx context.Context, tx *db.Tx, userID int64) ([]Area, error) {
	rows, err := tx.QueryContext(ctx, `SELECT kind, code FROM official_areas WHERE user_id = $1 ORDER BY code`, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Area
	for rows.Next() {
		var a Area
		if err := rows.Scan(&a.Kind, &a.Code); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// SetOfficialAreas sets the territories of an official account
// (coordinators only), from the same text as a campaign's territory.
func (s *Service) SetOfficialAreas(ctx context.Context, by accounts.User, userID int64, text string) error {
	if by.Role != accounts.Coordinator {
		return errForbidden
	}
	areas, key := s.parseAreas(text)
	if key != "" && strings.TrimSpace(text) != "" {
		return (coop.Problems{"areas": key}).Err()
	}
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		var role string
		err := tx.QueryRowContext(ctx, `SELECT role FROM users WHERE id = $1`, userID).Scan(&role)
		if errors.Is(err, sql.ErrNoRows) || role != string(accounts.Official) {
			return errNotFound
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM official_areas WHERE user_id = $1`, userID); err != nil {
			return err
		}
		for _, a := range areas {
			if _, err := tx.ExecContext(ctx, `INSERT INTO official_areas (user_id, kind, code) VALUES ($1, $2, $3)`, userID, a.Kind, a.Code); err != nil {
				return err
			}
		}
		return nil
	})
}

func currentVersion(ctx context.Context, tx *db.Tx, surveyID int64) (Version, error) {
	var v Version
	var text string
	err := tx.QueryRowContext(ctx, `SELECT id, number, questionnaire, created_at FROM survey_versions
		WHERE survey_id = $1 ORDER BY number DESC LIMIT 1`, surveyID).Scan(&v.ID, &v.Number, &text, &v.CreatedAt)
	if err != nil {
		return v, err
	}
	return v, json.Unmarshal([]byte(text), &v.Questionnaire)
}

// Versions returns every version of a campaign's questionnaire, oldest
// first, with the number of answers each got.
func (s *Service) Versions(ctx context.Context, surveyID int64) ([]Version, map[int64]int, error) {
	var out []Version
	counts := map[int64]int{}
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT v.id, v.number, v.questionnaire, v.created_at,
				(SELECT count(*) FROM survey_responses r WHERE r.version_id = v.id)
			FROM survey_versions v WHERE v.survey_id = $1 ORDER BY v.number`, surveyID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var v Version
			var text string
			var n int
			if err := rows.Scan(&v.ID, &v.Number, &text, &v.CreatedAt, &n); err != nil {
				return err
			}
			if err := json.Unmarshal([]byte(text), &v.Questionnaire); err != nil {
				return err
			}
			counts[v.ID] = n
			out = append(out, v)
		}
		return rows.Err()
	})
	return out, counts, err
}

func insertVersion(ctx context.Context, tx *db.Tx, surveyID int64, number int, qn Questionnaire) error {
	text, err := json.Marshal(qn)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO survey_versions (survey_id, number, questionnaire, created_at) VALUES ($1, $2, $3, $4)`,
		surveyID, number, string(text), tx.Now)
	return err
}

// SaveQuestionnaire replaces the campaign's questionnaire. Once answers
// exist for the current version, the change makes a new version (answers
// keep the one they were given with); before that, the current version is
// edited in place. base is the coop.Fingerprint of the questionnaire the change
// was made from: another change since refuses it ("" takes any). It
// returns the version number now current.
func (s *Service) SaveQuestionnaire(ctx context.Context, by accounts.User, publicID, base string, qn Questionnaire) (int, error) {
	if p := qn.Check(); len(p) > 0 {
		return 0, &coop.Error{Code: coop.EInvalid, Message: "survey.editor.invalid", Fields: p}
	}
	var number int
	err := s.DB.Write(ctx, func(tx *db.Tx) error {
		id, _, err := s.manageable(ctx, tx, by, publicID)
		if err != nil {
			return err
		}
		// The campaign's row locked: concurrent changes decide one after
		// the other, each against the questionnaire the one before left.
		if err := tx.QueryRowContext(ctx, `SELECT id FROM surveys WHERE id = $1`+tx.ForUpdate(), id).Scan(&id); err != nil {
			return err
		}
		cur, err := currentVersion(ctx, tx, id)
		if err != nil {
			return err
		}
		if base != "" && coop.Fingerprint(cur.Questionnaire) != base {
			return coop.Refusal(coop.EConflict, "error.changed_meanwhile")
		}
		var answered int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM survey_responses WHERE version_id = $1`, cur.ID).Scan(&answered); err != nil {
			return err
		}
		number = cur.Number
		if answered == 0 {
			text, err := json.Marshal(qn)
			if err != nil {
				return err
			}
			_, err = tx.ExecContext(ctx, `UPDATE survey_versions SET questionnaire = $1 WHERE id = $2`, string(text), cur.ID)
			return err
		}
		number++
		return insertVersion(ctx, tx, id, number, qn)
	})
	return number, err
}

// Response is one stored answer sheet.
type Response struct {
	ID        int64
	VersionID int64
	Day       string // YYYY-MM-DD
	Source    string
	Channel   string // the commune code of the link that brought it
	Commune   string // the commune of residence
	Sheet     string // a paper sheet's number
	ImportID  int64
	Answers   Answers
}

// Submit stores one anonymous answer to an open campaign, given on the
// web; channel is the commune of the short link that brought it, if any.
// The answers are checked by the caller with Parse on the campaign's
// current version.
func (s *Service) Submit(ctx context.Context, sv Survey, channel string, a Answers) error {
	today := Paris(s.now())
	if sv.StateAt(today) != Open {
		return coop.Refusal(coop.EPrecondition, "survey.not_open")
	}
	if !slices.ContainsFunc(sv.Communes, func(c SurveyCommune) bool { return c.Code == channel }) {
		channel = ""
	}
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		_, err := insertResponse(ctx, tx, sv.ID, sv.Version, Response{Day: today, Source: SourceWeb, Channel: channel, Answers: a})
		return err
	})
}

// insertResponse stores a response of the version v.
func insertResponse(ctx context.Context, tx *db.Tx, surveyID int64, v Version, r Response) (int64, error) {
	text, err := json.Marshal(r.Answers)
	if err != nil {
		return 0, err
	}
	commune := r.Answers[v.Questionnaire.Residence].Text
	var id int64
	err = tx.QueryRowContext(ctx, `INSERT INTO survey_responses (survey_id, version_id, answered_on, source, channel, commune_code, answers, sheet, import_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
		surveyID, v.ID, r.Day, r.Source, nullText(r.Channel), nullText(commune), string(text), nullText(r.Sheet), nullID(r.ImportID)).Scan(&id)
	return id, err
}

// Contact records a resident who wants to be told when a place opens: the
// email and the wording agreed to, the day only, with no link to any
// answer. The same email twice keeps one row.
func (s *Service) Contact(ctx context.Context, sv Survey, email, commune, consent string) error {
	email = strings.ToLower(strings.TrimSpace(email))
	if !accounts.ValidEmail(email) {
		return (coop.Problems{"email": "error.email_invalid"}).Err()
	}
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO survey_contacts (survey_id, email, commune_code, consent, consented_on)
			VALUES ($1, $2, $3, $4, $5) ON CONFLICT (survey_id, email) DO NOTHING`,
			sv.ID, email, nullText(commune), consent, Paris(tx.Now))
		return err
	})
}

// newID returns n random characters from an alphabet without look-alikes,
// for public ids and the short links people type from paper.
func newID(n int) string {
	const alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
	out := make([]byte, 0, n)
	var buf [32]byte
	for len(out) < n {
		_, _ = rand.Read(buf[:])
		for _, c := range buf {
			// Drop the bytes that would favour the first letters.
			if int(c) < 256/len(alphabet)*len(alphabet) && len(out) < n {
				out = append(out, alphabet[int(c)%len(alphabet)])
			}
		}
	}
	return string(out)
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func nullText(s string) any {
	if s == "" {
		return nil
	}
	return s
}
