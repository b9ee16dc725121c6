package ami

// The report for elected officials: per EPCI or commune, what the needs
// survey found (with its margins, small cells hidden), the estimated
// demand, the places of the territory and their activity, and the
// applications from its communes with their diagnostic and action plan.
// Everything in it is an aggregate or a structure: never a person. The
// candidates' contact persons, the bookings' members and the survey's
// individual answers stay out.

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"coopconnect/internal/accounts"
	"coopconnect/internal/db"
	"coopconnect/internal/places"
	"coopconnect/internal/survey"
	"coopconnect/internal/territory"
)

// ActivityDays is the period a report's activity covers, ending today.
const ActivityDays = 90

// Report is the report on one territory.
type Report struct {
	// Kind is "epci" or "commune"; Code its SIREN or INSEE code.
	Kind, Code, Name string
	// EPCI is a commune's EPCI (SIREN and name), "" for an EPCI.
	EPCI, EPCIName string
	Communes       []ReportCommune
	// Population and Active (15–64) of the whole territory; Rural counts
	// its rural communes (INSEE density 5 to 7).
	Population, Active, Rural int
	Day                       string // the day it was made, YYYY-MM-DD (Paris)
	// Survey is the latest campaign covering the territory, nil when none.
	Survey *ReportSurvey
	Places []ReportPlace
	// Since and Until bound the activity period, [Since, Until).
	Since, Until time.Time
	Applications []ReportApplication
}

// ReportCommune is a commune of the territory.
type ReportCommune struct {
	Code, Name         string
	Population, Active int
	Density            int
}

// ReportSurvey is what the campaign found in the territory: its results
// as the survey service gives them (cells under survey.MinCell hidden).
type ReportSurvey struct {
	Survey  survey.Survey
	Results survey.Results
	// Covered is the number of the territory's communes the campaign
	// covered.
	Covered int
}

// ReportPlace is a place of the territory and its activity.
type ReportPlace struct {
	ID                   int64
	Slug, Name           string
	Kind                 places.Kind
	Status               places.Status
	Commune, CommuneName string
	Activity             *Activity // open and testing places only
	Diagnostic           *ReportDiagnostic
	Actions              []ReportAction
}

// Activity is a place's bookings over the period: counts only. Under
// survey.MinCell bookings the count is hidden, and so is the occupancy
// it would give away.
type Activity struct {
	Bookings int
	Hidden   bool
	// SeatHours booked, out of OpenSeatHours (capacity × opening hours);
	// Occupancy their ratio, Known when the place has hours and spaces.
	SeatHours, OpenSeatHours float64
	Occupancy                float64
	Known                    bool
}

// ReportApplication is an application from one of the territory's
// communes: the structure, never its contact person.
type ReportApplication struct {
	ID                   int64
	Structure            string
	CarrierKind          string
	Commune, CommuneName string
	Density              int
	Urban                bool // INSEE density 1 to 4
	State                State
	CallTitle            string
	Diagnostic           *ReportDiagnostic
	Actions              []ReportAction
}

// ReportDiagnostic is a diagnostic as the report shows it: a score per
// component (computed, or adjusted by the coordinator) and overall.
type ReportDiagnostic struct {
	Components []ReportComponent
	Score      int
}

// ReportComponent is one component's score, adjusted or computed.
type ReportComponent struct {
	Code, Label string
	Score       int
	Adjusted    bool
}

// ReportAction is an action of a plan: its owner is a role or a structure
// as the coordinator typed it.
type ReportAction struct {
	Title, Owner, DueOn, Status string
}

// ReportTerritory resolves a report's code: an EPCI SIREN (9 digits) or a
// commune INSEE code. It reports false for anything else.
func (s *Service) ReportTerritory(code string) (kind, name string, ok bool) {
	if len(code) == 9 {
		if e, ok := s.Territory.EPCI(code); ok {
			return "epci", e.Name, true
		}
		return "", "", false
	}
	if c, ok := s.Territory.Commune(code); ok && c.Code == code {
		return "commune", c.Name, true
	}
	return "", "", false
}

// ReportAccess tells which reports by may read: all (coordinators), or
// the codes listed: an official's areas (an EPCI area gives the EPCI and
// its communes), a manager's EPCI of their carriers' places and their
// communes. Others read none.
func (s *Service) ReportAccess(ctx context.Context, surveys *survey.Service, by accounts.User) (codes []string, all bool, err error) {
	add := func(kind, code string) {
		if !slices.Contains(codes, code) {
			codes = append(codes, code)
		}
		if kind == "epci" {
			for _, c := range s.Territory.Members(code) {
				if !slices.Contains(codes, c.Code) {
					codes = append(codes, c.Code)
				}
			}
		}
	}
	switch by.Role {
	case accounts.Coordinator:
		return nil, true, nil
	case accounts.Official:
		err = s.DB.Read(ctx, func(tx *db.Tx) error {
			areas, err := surveys.OfficialAreas(ctx, tx, by.ID)
			for _, a := range areas {
				add(a.Kind, a.Code)
			}
			return err
		})
	case accounts.Manager:
		err = s.DB.Read(ctx, func(tx *db.Tx) error {
			rows, err := tx.QueryContext(ctx, `SELECT DISTINCT p.commune_code FROM places p
				JOIN carrier_managers m ON m.carrier_id = p.carrier_id WHERE m.user_id = $1 ORDER BY 1`, by.ID)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var code string
				if err := rows.Scan(&code); err != nil {
					return err
				}
				if c, ok := s.Territory.Commune(code); ok && c.EPCI != "" {
					add("epci", c.EPCI)
				}
			}
			return rows.Err()
		})
	}
	return codes, false, err
}

// MayReadReport tells whether by may read the report of code.
func (s *Service) MayReadReport(ctx context.Context, surveys *survey.Service, by accounts.User, code string) (bool, error) {
	codes, all, err := s.ReportAccess(ctx, surveys, by)
	return all || slices.Contains(codes, code), err
}

// ReportIndex lists the EPCI a coordinator's list of reports offers: those
// holding a campaign's commune or an application, by name.
func (s *Service) ReportIndex(ctx context.Context) ([]string, error) {
	var sirens []string
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT DISTINCT epci_siren FROM survey_communes WHERE epci_siren <> ''
			UNION SELECT DISTINCT commune_code FROM applications WHERE commune_code IS NOT NULL AND state <> 'draft'`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var code string
			if err := rows.Scan(&code); err != nil {
				return err
			}
			if len(code) != 9 {
				c, ok := s.Territory.Commune(code)
				if !ok || c.EPCI == "" {
					continue
				}
				code = c.EPCI
			}
			if !slices.Contains(sirens, code) {
				sirens = append(sirens, code)
			}
		}
		return rows.Err()
	})
	slices.SortFunc(sirens, func(a, b string) int {
		ea, _ := s.Territory.EPCI(a)
		eb, _ := s.Territory.EPCI(b)
		return strings.Compare(ea.Name, eb.Name)
	})
	return sirens, err
}

// BuildReport gathers the report of a territory (an EPCI SIREN or a commune
// INSEE code) at now. It checks no access: the caller does (MayReadReport).
func (s *Service) BuildReport(ctx context.Context, surveys *survey.Service, code string, now time.Time) (Report, error) {
	kind, name, ok := s.ReportTerritory(code)
	if !ok {
		return Report{}, errNotFound
	}
	r := Report{Kind: kind, Code: code, Name: name, Day: survey.Paris(now),
		Until: now.UTC().Truncate(time.Second), Since: now.UTC().Truncate(time.Second).AddDate(0, 0, -ActivityDays)}
	var communes []territory.Commune
	if kind == "epci" {
		communes = s.Territory.Members(code)
	} else {
		c, _ := s.Territory.Commune(code)
		communes = []territory.Commune{c}
		if e, ok := s.Territory.EPCI(c.EPCI); ok {
			r.EPCI, r.EPCIName = e.SIREN, e.Name
		}
	}
	inTerritory := map[string]territory.Commune{}
	for _, c := range communes {
		inTerritory[c.Code] = c
		r.Communes = append(r.Communes, ReportCommune{Code: c.Code, Name: c.Name, Population: c.Population, Active: c.ActivePopulation, Density: c.Density})
		r.Population += c.Population
		r.Active += c.ActivePopulation
		if c.Rural() {
			r.Rural++
		}
	}
	var err error
	if r.Survey, err = s.reportSurvey(ctx, surveys, code, r.Day, inTerritory); err != nil {
		return r, err
	}
	if r.Places, err = s.reportPlaces(ctx, surveys, inTerritory, r.Since, r.Until); err != nil {
		return r, err
	}
	if r.Applications, err = s.reportApplications(ctx, surveys, inTerritory); err != nil {
		return r, err
	}
	return r, nil
}

// reportSurvey finds the latest campaign (already open) covering the
// territory and its results there.
func (s *Service) reportSurvey(ctx context.Context, surveys *survey.Service, code, day string, inTerritory map[string]territory.Commune) (*ReportSurvey, error) {
	if surveys == nil {
		return nil, nil
	}
	var publicID string
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		return tx.QueryRowContext(ctx, `SELECT s.public_id FROM surveys s
			WHERE s.opens_on <= $2 AND EXISTS (SELECT 1 FROM survey_communes sc WHERE sc.survey_id = s.id AND (sc.commune_code = $1 OR sc.epci_siren = $1))
			ORDER BY s.closes_on DESC, s.id DESC LIMIT 1`, code, day).Scan(&publicID)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	sv, err := surveys.Get(ctx, publicID)
	if err != nil {
		return nil, err
	}
	res, err := surveys.Results(ctx, sv, code)
	if err != nil {
		return nil, err
	}
	out := &ReportSurvey{Survey: sv, Results: res}
	for _, c := range sv.Communes {
		if _, ok := inTerritory[c.Code]; ok {
			out.Covered++
		}
	}
	return out, nil
}

// reportPlaces lists the territory's places (closed ones excepted), with
// the activity of those open or testing.
func (s *Service) reportPlaces(ctx context.Context, surveys *survey.Service, inTerritory map[string]territory.Commune, since, until time.Time) ([]ReportPlace, error) {
	all, err := s.Places.Places(ctx, places.Filter{})
	if err != nil {
		return nil, err
	}
	var out []ReportPlace
	byID := map[int64]int{}
	hours := map[int64]places.Place{}
	for _, p := range all {
		c, ok := inTerritory[p.CommuneCode]
		if !ok {
			continue
		}
		rp := ReportPlace{ID: p.ID, Slug: p.Slug, Name: p.Name, Kind: p.Kind, Status: p.Status, Commune: c.Code, CommuneName: c.Name}
		if p.Status == places.StatusOpen || p.Status == places.StatusTesting {
			rp.Activity = &Activity{}
			byID[p.ID] = len(out)
			hours[p.ID] = p
		}
		out = append(out, rp)
	}
	if len(byID) > 0 {
		if err := s.activity(ctx, out, byID, hours, since, until); err != nil {
			return nil, err
		}
	}
	for i := range out {
		if out[i].Diagnostic, out[i].Actions, err = s.reportPlan(ctx, surveys, "place", out[i].ID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// activity counts the confirmed bookings of the places over [since,
// until) and their share of the seat-hours the places were open.
func (s *Service) activity(ctx context.Context, out []ReportPlace, byID map[int64]int, ps map[int64]places.Place, since, until time.Time) error {
	ids := make([]any, 0, len(byID))
	marks := make([]string, 0, len(byID))
	for id := range byID {
		ids = append(ids, id)
		marks = append(marks, "$"+strconv.Itoa(len(ids)))
	}
	in := strings.Join(marks, ", ")
	capacity := map[int64]int{} // place → seats of its spaces
	booked := map[int64]int{}
	seatHours := map[int64]float64{}
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT place_id, capacity FROM spaces WHERE place_id IN (`+in+`)`, ids...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var place int64
			var c int
			if err := rows.Scan(&place, &c); err != nil {
				rows.Close()
				return err
			}
			capacity[place] += c
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		args := append(slices.Clone(ids), since, until)
		n := len(ids)
		rows, err = tx.QueryContext(ctx, `SELECT sp.place_id, b.start_at, b.end_at, b.seats FROM bookings b JOIN spaces sp ON sp.id = b.space_id
			WHERE sp.place_id IN (`+in+`) AND b.status = 'confirmed' AND b.start_at < $`+strconv.Itoa(n+2)+` AND b.end_at > $`+strconv.Itoa(n+1), args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var place int64
			var start, end time.Time
			var seats int
			if err := rows.Scan(&place, &start, &end, &seats); err != nil {
				return err
			}
			booked[place]++
			start, end = later(start, since), earlier(end, until)
			seatHours[place] += float64(seats) * end.Sub(start).Hours()
		}
		return rows.Err()
	})
	if err != nil {
		return err
	}
	for id, i := range byID {
		a := out[i].Activity
		a.Bookings, a.SeatHours = booked[id], seatHours[id]
		if a.Bookings < survey.MinCell {
			*a = Activity{Hidden: true}
			continue
		}
		h := s.Places.Hours(ps[id])
		if h == nil || capacity[id] == 0 {
			continue
		}
		var open float64
		for day := since; day.Before(until); day = day.AddDate(0, 0, 7) {
			for _, ivs := range h.Week(day) {
				for _, iv := range ivs {
					if iv.Unknown {
						continue
					}
					st, en := later(iv.Start, since), earlier(iv.End, until)
					if en.After(st) {
						open += en.Sub(st).Hours()
					}
				}
			}
		}
		if open > 0 {
			a.OpenSeatHours = open * float64(capacity[id])
			a.Occupancy = min(1, a.SeatHours/a.OpenSeatHours)
			a.Known = true
		}
	}
	return nil
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// reportApplications lists the applications (drafts excepted) from the
// territory's communes, by commune then structure.
func (s *Service) reportApplications(ctx context.Context, surveys *survey.Service, inTerritory map[string]territory.Commune) ([]ReportApplication, error) {
	var out []ReportApplication
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT a.id, a.structure, a.carrier_kind, a.commune_code, a.state, c.title
			FROM applications a JOIN calls c ON c.id = a.call_id WHERE a.state <> 'draft' AND a.commune_code IS NOT NULL ORDER BY a.id`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var a ReportApplication
			if err := rows.Scan(&a.ID, &a.Structure, &a.CarrierKind, &a.Commune, &a.State, &a.CallTitle); err != nil {
				return err
			}
			c, ok := inTerritory[a.Commune]
			if !ok {
				continue
			}
			a.CommuneName, a.Density, a.Urban = c.Name, c.Density, c.Density >= 1 && c.Density <= 4
			out = append(out, a)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	slices.SortStableFunc(out, func(a, b ReportApplication) int {
		if c := strings.Compare(a.CommuneName, b.CommuneName); c != 0 {
			return c
		}
		return strings.Compare(a.Structure, b.Structure)
	})
	for i := range out {
		if out[i].Diagnostic, out[i].Actions, err = s.reportPlan(ctx, surveys, "application", out[i].ID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// reportPlan reads a subject's diagnostic and action plan.
func (s *Service) reportPlan(ctx context.Context, surveys *survey.Service, kind string, id int64) (*ReportDiagnostic, []ReportAction, error) {
	d, err := s.reportDiagnostic(ctx, surveys, kind, id)
	if err != nil {
		return nil, nil, err
	}
	var actions []ReportAction
	err = s.DB.Read(ctx, func(tx *db.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT title, owner, COALESCE(due_on, ''), status FROM plan_actions
			WHERE subject_kind = $1 AND subject_id = $2 AND status <> 'dropped' ORDER BY COALESCE(due_on, '9999'), id`, kind, id)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var a ReportAction
			if err := rows.Scan(&a.Title, &a.Owner, &a.DueOn, &a.Status); err != nil {
				return err
			}
			actions = append(actions, a)
		}
		return rows.Err()
	})
	return d, actions, err
}

// reportDiagnostic assesses a subject (Diagnose, with the survey's demand
// around it when there is one): only the scores go in a report, with the
// components' names in French like the rest of the report.
func (s *Service) reportDiagnostic(ctx context.Context, surveys *survey.Service, kind string, id int64) (*ReportDiagnostic, error) {
	var demand DemandSource
	if surveys != nil {
		demand = surveys
	}
	dg, err := s.Diagnose(ctx, "fr", kind, id, demand)
	if err != nil {
		return nil, err
	}
	d := &ReportDiagnostic{Score: dg.Score}
	for _, c := range dg.Components {
		d.Components = append(d.Components, ReportComponent{Code: c.Code, Label: c.Label, Score: c.Score, Adjusted: c.Adjusted})
	}
	return d, nil
}
