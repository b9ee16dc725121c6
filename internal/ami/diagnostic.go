package ami

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"coopconnect/internal/accounts"
	"coopconnect/internal/coop"
	"coopconnect/internal/db"
	"coopconnect/internal/i18n"
	"coopconnect/internal/places"
	"coopconnect/internal/survey"
)

// A diagnostic assesses a candidate's (or a place's) readiness and
// potential in four components, each scored 0–100 from inputs it shows
// with the method that scored it, written in the reader's language (the
// reports for elected officials ask for French). A coordinator may adjust
// a component's score with a written reason; the adjustment then overrides
// the computed score, which stays shown. Weak inputs suggest actions of
// the pre-study's plan.

// Subject kinds.
const (
	SubjectApplication = "application"
	SubjectPlace       = "place"
)

// Components, in the order they are shown, with their weight in the
// overall score.
var Components = []string{"demand", "supply", "governance", "neighbourhood"}

var componentWeights = map[string]int{"demand": 30, "supply": 30, "governance": 25, "neighbourhood": 15}

// NearbyKm is the distance within which other places count as neighbours.
const NearbyKm = 15

// DemandSource estimates the demand around a commune within minutes of
// travel (0: the travel time residents accept); nil when no survey covers
// it. *survey.Service is one.
type DemandSource interface {
	DemandAround(ctx context.Context, communeCode string, minutes int) (*survey.Around, error)
}

// Input is one fact a component was scored from.
type Input struct{ Label, Value string }

// Component is one part of a diagnostic.
type Component struct {
	Code  string
	Label string
	// Score is the score that counts: Computed, or the coordinator's
	// adjustment (Adjusted, with its Reason).
	Score, Computed int
	Adjusted        bool
	Reason          string
	Inputs          []Input
	// Method says how the score was computed.
	Method string
}

// Diagnostic is a subject's assessment.
type Diagnostic struct {
	Components []Component
	// Score is the weighted mean of the components' scores (weights:
	// demand 30, supply 30, governance 25, neighbourhood 15).
	Score       int
	Suggestions []Suggestion
}

// Suggestion is an action the diagnostic proposes, because of an input;
// those already in the plan (and not dropped) are left out.
type Suggestion struct {
	Code, Title string
	Because     string
}

// suggestionOrder lists the actions of the pre-study's plan a diagnostic
// may suggest, in the order it lists them; each is named by the message
// diag.suggestion.{code}.
var suggestionOrder = []string{"brief_officials", "run_survey", "improve_connection", "improve_room", "improve_equipment", "find_partners", "separate_audiences"}

// factSource is where facts were read: the place's record, the file's
// answers, or the visit of day (YYYY-MM-DD).
type factSource struct{ kind, day string }

// facts are what a diagnostic reads of its subject, in codes and as
// typed: the words are chosen when the diagnostic is written.
type facts struct {
	commune       string
	sources       []factSource
	down, up      *float64
	connection    string
	copier        bool
	otherEquip    bool
	goodReception []string
	room          string
	identity      string
	accessible    string
	hours         string
	animator      string // full_time, part_time, volunteer, no, hosts
	hosts         int
	skills        []string
	carrierKind   string
	officials     string
	partnersText  string
	audiences     []string
	separation    string
	// self is the subject's own place, left out of its neighbours.
	self int64
}

func validSubject(kind string) bool { return kind == SubjectApplication || kind == SubjectPlace }

// applicationByID reads an application by its key.
func (s *Service) applicationByID(ctx context.Context, id int64) (Application, error) {
	var a Application
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		var err error
		a, err = scanApplication(tx.QueryRowContext(ctx, `SELECT `+appColumns+` FROM applications a JOIN calls c ON c.id = a.call_id WHERE a.id = $1`, id))
		return err
	})
	return a, err
}

// factsOf gathers the inputs of a subject: an application's answers, then
// its last visit; a place's own fields, over those of the application it
// came from, if any.
func (s *Service) factsOf(ctx context.Context, kind string, id int64) (facts, error) {
	var f facts
	switch kind {
	case SubjectApplication:
		a, err := s.applicationByID(ctx, id)
		if err != nil {
			return f, err
		}
		f.self = a.PlaceID
		if err := s.applicationFacts(ctx, &f, a); err != nil {
			return f, err
		}
	case SubjectPlace:
		list, err := s.Places.Places(ctx, places.Filter{IDs: []int64{id}, Statuses: places.Statuses})
		if err != nil {
			return f, err
		}
		if len(list) == 0 {
			return f, errNotFound
		}
		p := list[0]
		var appID int64
		err = s.DB.Read(ctx, func(tx *db.Tx) error {
			err := tx.QueryRowContext(ctx, `SELECT id FROM applications WHERE place_id = $1 ORDER BY id DESC LIMIT 1`, p.ID).Scan(&appID)
			if errors.Is(err, sql.ErrNoRows) {
				err = nil
			}
			if err != nil {
				return err
			}
			var hosts int
			if err := tx.QueryRowContext(ctx, `SELECT kind FROM carriers WHERE id = $1`, p.CarrierID).Scan(&f.carrierKind); err != nil {
				return err
			}
			err = tx.QueryRowContext(ctx, `SELECT count(*) FROM place_staff WHERE place_id = $1`, p.ID).Scan(&hosts)
			f.hosts = hosts
			return err
		})
		if err != nil {
			return f, err
		}
		kindOfCarrier, hosts := f.carrierKind, f.hosts
		if appID != 0 {
			a, err := s.applicationByID(ctx, appID)
			if err != nil {
				return f, err
			}
			if err := s.applicationFacts(ctx, &f, a); err != nil {
				return f, err
			}
		}
		f.self, f.commune, f.carrierKind = p.ID, p.CommuneCode, kindOfCarrier
		f.sources = append(f.sources, factSource{kind: "place"})
		if p.DownMbps != nil {
			f.down, f.up = p.DownMbps, p.UpMbps
		}
		if p.ConnectionKind != "" {
			f.connection = p.ConnectionKind
		}
		f.copier = f.copier || p.Has("printer_scanner")
		f.otherEquip = f.otherEquip || slices.ContainsFunc(p.Equipment, func(e string) bool { return e != "printer_scanner" })
		for _, op := range places.Operators {
			if p.Reception[op] == "good" && !slices.Contains(f.goodReception, op) {
				f.goodReception = append(f.goodReception, op)
			}
		}
		if p.Identity != "" {
			f.identity = p.Identity
		}
		if p.Description != "" && f.room == "" {
			f.room = p.Description
		}
		if p.Has("step_free") && p.Has("accessible_toilets") {
			f.accessible = "yes"
		} else if (p.Has("step_free") || p.Has("accessible_toilets")) && f.accessible != "yes" {
			f.accessible = "partly"
		}
		if p.OpeningHours != "" {
			f.hours = p.OpeningHours
		}
		if hosts > 0 {
			f.hosts = hosts
			if f.animator == "" || f.animator == "no" {
				f.animator = "hosts"
			}
		}
		switch p.Audience {
		case places.AudienceBoth:
			if !mixedAudiences(f.audiences) {
				f.audiences = []string{"professionals", "e_inclusion"}
			}
		case places.AudienceProfessionals, places.AudienceEInclusion:
			if len(f.audiences) == 0 {
				f.audiences = []string{string(p.Audience)}
			}
		}
	default:
		return f, errNotFound
	}
	return f, nil
}

func (s *Service) applicationFacts(ctx context.Context, f *facts, a Application) error {
	ans := a.Answers
	f.commune, f.carrierKind = a.Commune, a.CarrierKind
	f.sources = append(f.sources, factSource{kind: "answers"})
	f.down, f.up = ans["down_mbps"].Number, ans["up_mbps"].Number
	if c := ans["connection"].Choices; len(c) > 0 {
		f.connection = c[0]
	}
	eq := ans["equipment"].Choices
	f.copier = slices.Contains(eq, "copier")
	f.otherEquip = slices.ContainsFunc(eq, func(e string) bool { return e != "copier" && e != "accessible" }) || ans["equipment"].Other != ""
	if slices.Contains(eq, "accessible") {
		f.accessible = "yes"
	}
	f.room, f.hours = ans["premises"].Text, ans["hours"].Text
	if c := ans["animator"].Choices; len(c) > 0 {
		f.animator = c[0]
	}
	f.skills = ans["animator_skills"].Choices
	if c := ans["officials"].Choices; len(c) > 0 {
		f.officials = c[0]
	}
	f.partnersText = ans["carrier"].Text
	f.audiences = ans["publics"].Choices
	c, day, err := s.LastVisit(ctx, a.ID)
	if err != nil || c == nil {
		return err
	}
	f.sources = append(f.sources, factSource{kind: "visit", day: day})
	if c.DownMbps != nil {
		f.down, f.up = c.DownMbps, c.UpMbps
	}
	f.copier = c.Copier
	f.goodReception = nil
	for _, op := range places.Operators {
		if c.Reception[op] == "good" {
			f.goodReception = append(f.goodReception, op)
		}
	}
	if c.Room != "" {
		f.room = c.Room
	}
	f.identity = c.Identity
	if c.Accessible != "" {
		f.accessible = c.Accessible
	}
	if c.Hours != "" {
		f.hours = c.Hours
	}
	if len(c.Skills) > 0 {
		f.skills = c.Skills
	}
	if len(c.Audiences) > 0 {
		f.audiences = c.Audiences
	}
	f.separation = c.Separation
	return nil
}

// Diagnose assesses a subject ("application" or "place", by its key),
// written in lang (French for an unknown one); what people typed stays as
// typed. demand may be nil: the demand is then unknown.
func (s *Service) Diagnose(ctx context.Context, lang, subjectKind string, subjectID int64, demand DemandSource) (Diagnostic, error) {
	if !validSubject(subjectKind) {
		return Diagnostic{}, errNotFound
	}
	f, err := s.factsOf(ctx, subjectKind, subjectID)
	if err != nil {
		return Diagnostic{}, err
	}
	actions, err := s.Actions(ctx, subjectKind, subjectID)
	if err != nil {
		return Diagnostic{}, err
	}
	l := s.Catalogs.For(lang)
	sugg := map[string]string{}
	suggest := func(code, because string) {
		if _, ok := sugg[code]; !ok {
			sugg[code] = because
		}
	}
	var around *survey.Around
	if demand != nil && f.commune != "" {
		if around, err = demand.DemandAround(ctx, f.commune, 0); err != nil {
			return Diagnostic{}, err
		}
	}
	comps := []Component{
		demandComponent(l, around, suggest),
		supplyComponent(l, f, suggest),
		governanceComponent(l, f, actions, suggest),
		s.neighbourhoodComponent(ctx, l, f),
	}
	adj, err := s.adjustments(ctx, subjectKind, subjectID)
	if err != nil {
		return Diagnostic{}, err
	}
	d := Diagnostic{}
	total, weights := 0, 0
	for _, c := range comps {
		c.Label = l.T("diag.component." + c.Code)
		c.Score = c.Computed
		if a, ok := adj[c.Code]; ok {
			c.Score, c.Adjusted, c.Reason = a.score, true, a.reason
		}
		total += c.Score * componentWeights[c.Code]
		weights += componentWeights[c.Code]
		d.Components = append(d.Components, c)
	}
	d.Score = int(math.Round(float64(total) / float64(weights)))
	for _, code := range suggestionOrder {
		because, ok := sugg[code]
		if !ok || slices.ContainsFunc(actions, func(a Action) bool { return a.Code == code && a.Status != "dropped" }) {
			continue
		}
		d.Suggestions = append(d.Suggestions, Suggestion{Code: code, Title: l.T("diag.suggestion." + code), Because: because})
	}
	return d, nil
}

// DemandFullAt is the estimate of regular users that scores 100: about
// what a small place needs to live (a few desks taken every day).
const DemandFullAt = 40

func demandComponent(l *i18n.Localizer, a *survey.Around, suggest func(code, because string)) Component {
	c := Component{Code: "demand"}
	if a == nil {
		c.Computed = 10
		c.Inputs = []Input{{l.T("diag.input.survey"), l.T("diag.value.no_survey")}}
		c.Method = l.T("diag.method.demand_no_survey")
		suggest("run_survey", l.T("diag.because.no_survey"))
		return c
	}
	c.Inputs = []Input{
		{l.T("diag.input.survey"), a.SurveyTitle},
		{l.T("diag.input.travel_time"), l.T("diag.value.travel_time", a.Minutes, labelOf(l, "diag.travel.", a.Source))},
		{l.T("diag.input.radius"), l.T("diag.value.radius", l.Decimal(math.Round(a.RadiusKm*10)/10))},
		{l.T("diag.input.survey_communes"), l.Number(int64(len(a.Communes)))},
		{l.T("diag.input.active_population"), l.Number(int64(a.Active))},
		{l.T("diag.input.responses"), l.T("diag.value.responses", l.Number(int64(a.Responses)), l.Number(int64(a.HiddenCommunes)))},
	}
	method := l.T("diag.method.demand")
	if a.Hidden {
		c.Computed = 30
		c.Inputs = append(c.Inputs, Input{l.T("diag.input.estimate"), l.T("diag.value.estimate_hidden")})
		c.Method = method + " " + l.T("diag.method.demand_hidden")
		suggest("run_survey", l.T("diag.because.survey_too_few"))
		return c
	}
	pct := func(f float64) string { return l.T("diag.value.percent", l.Decimal(math.Round(f*1000)/10)) }
	c.Inputs = append(c.Inputs,
		Input{l.T("diag.input.share"), l.T("diag.value.range", pct(a.Share), pct(a.Low), pct(a.High))},
		Input{l.T("diag.input.estimate"), l.T("diag.value.range", l.Number(int64(a.Estimate)), l.Number(int64(a.EstimateLow)), l.Number(int64(a.EstimateHigh)))})
	c.Computed = int(math.Round(100 * math.Min(1, float64(a.Estimate)/DemandFullAt)))
	c.Method = method + " " + l.T("diag.method.demand_score", DemandFullAt)
	if a.Active == 0 {
		suggest("run_survey", l.T("diag.because.survey_not_near"))
	}
	return c
}

// labelOf names a code with the message prefix+code; "" for no code, or
// for one the catalogs do not know.
func labelOf(l *i18n.Localizer, prefix, code string) string {
	if code == "" || !l.Has(prefix+code) {
		return ""
	}
	return l.T(prefix + code)
}

// connectionKindPoints score a connection not measured.
var connectionKindPoints = map[string]int{"fibre": 20, "vdsl": 12, "mobile": 8, "4g_5g": 8, "adsl": 5, "satellite": 3, "radio": 3}

var animatorPoints = map[string]int{"full_time": 15, "part_time": 12, "hosts": 12, "volunteer": 6}

func yesNo(l *i18n.Localizer, b bool) string {
	if b {
		return l.T("diag.value.yes")
	}
	return l.T("diag.value.no")
}

func orNone(l *i18n.Localizer, s string) string {
	if strings.TrimSpace(s) == "" {
		return l.T("diag.value.none")
	}
	return s
}

// sourcesText lists where the facts were read, a visit with its day.
func sourcesText(l *i18n.Localizer, sources []factSource) string {
	var out []string
	for _, src := range sources {
		if src.kind != "visit" {
			out = append(out, l.T("diag.source."+src.kind))
			continue
		}
		day := src.day
		if t, err := time.ParseInLocation(time.DateOnly, src.day, i18n.Paris); err == nil {
			day = l.Date(t)
		}
		out = append(out, l.T("diag.source.visit", day))
	}
	return strings.Join(out, ", ")
}

func supplyComponent(l *i18n.Localizer, f facts, suggest func(code, because string)) Component {
	c := Component{Code: "supply"}
	mbps := func(v *float64) string {
		if v == nil {
			return l.T("diag.value.not_measured")
		}
		return l.T("diag.value.mbps", l.Decimal(*v))
	}
	connection := labelOf(l, "diag.connection.", f.connection)
	// Connection: 30 points.
	conn := 0
	switch d := f.down; {
	case d == nil:
		conn = connectionKindPoints[f.connection]
	case *d >= 100:
		conn = 25
	case *d >= 30:
		conn = 18
	case *d >= 8:
		conn = 8
	case *d > 0:
		conn = 3
	}
	if u := f.up; u != nil && f.down != nil {
		switch {
		case *u >= 20:
			conn += 5
		case *u >= 5:
			conn += 3
		case *u >= 1:
			conn++
		}
	}
	switch {
	case f.down != nil && *f.down < 30 && connection != "":
		suggest("improve_connection", l.T("diag.because.speed_low_kind", mbps(f.down), connection))
	case f.down != nil && *f.down < 30:
		suggest("improve_connection", l.T("diag.because.speed_low", mbps(f.down)))
	case f.down != nil || f.connection == "fibre":
		// Fast enough, or fibre not measured: nothing to suggest.
	case connection != "":
		suggest("improve_connection", l.T("diag.because.speed_unmeasured_kind", connection))
	default:
		suggest("improve_connection", l.T("diag.because.speed_unmeasured"))
	}
	// Equipment: 15 points.
	equip := 0
	if f.copier {
		equip += 10
	} else {
		suggest("improve_equipment", l.T("diag.because.no_copier"))
	}
	if f.otherEquip || len(f.goodReception) > 0 {
		equip += 5
	}
	// Identity and room: 15 points.
	ident := 0
	if f.room != "" {
		ident += 5
	}
	if f.identity != "" {
		ident += 5
	}
	switch f.accessible {
	case "yes":
		ident += 5
	case "partly":
		ident += 2
	}
	switch {
	case f.identity == "" && f.accessible != "yes":
		suggest("improve_room", l.T("diag.because.room_identity_access"))
	case f.identity == "":
		suggest("improve_room", l.T("diag.because.room_identity"))
	case f.accessible != "yes":
		suggest("improve_room", l.T("diag.because.room_access"))
	}
	// Hours: 15 points.
	hours := 0
	if strings.TrimSpace(f.hours) != "" {
		hours = 15
	}
	// Host: 25 points.
	host := animatorPoints[f.animator]
	var skills []string
	for _, code := range AnimatorSkills {
		if slices.Contains(f.skills, code) {
			skills = append(skills, l.T("diag.skill."+code))
		}
	}
	host += int(math.Round(10 * float64(len(skills)) / float64(len(AnimatorSkills))))
	if mixedAudiences(f.audiences) && strings.TrimSpace(f.separation) == "" {
		suggest("separate_audiences", l.T("diag.because.mixed_audiences"))
	}
	reception := l.T("diag.value.no_good_reception")
	if len(f.goodReception) > 0 {
		reception = l.T("diag.value.good_reception", strings.Join(f.goodReception, ", "))
	}
	animator := labelOf(l, "diag.animator.", f.animator)
	if f.animator == "hosts" {
		animator = l.T("diag.value.hosts", f.hosts)
	}
	c.Inputs = []Input{
		{l.T("diag.input.sources"), sourcesText(l, f.sources)},
		{l.T("diag.input.connection"), orNone(l, connection)},
		{l.T("diag.input.down"), mbps(f.down)},
		{l.T("diag.input.up"), mbps(f.up)},
		{l.T("diag.input.copier"), yesNo(l, f.copier)},
		{l.T("diag.input.reception"), reception},
		{l.T("diag.input.room"), orNone(l, f.room)},
		{l.T("diag.input.identity"), orNone(l, f.identity)},
		{l.T("diag.input.accessibility"), orNone(l, labelOf(l, "diag.value.", f.accessible))},
		{l.T("diag.input.hours"), orNone(l, f.hours)},
		{l.T("diag.input.animation"), orNone(l, animator)},
		{l.T("diag.input.skills"), orNone(l, strings.Join(skills, ", "))},
	}
	c.Computed = min(100, conn+equip+ident+hours+host)
	c.Method = l.T("diag.method.supply", conn, equip, ident, hours, host)
	return c
}

var carrierPoints = map[string]int{"epci": 40, "commune": 40, "ppp": 35, "association": 25, "company": 20, "individual": 10}
var officialsPoints = map[string]int{"deliberation": 40, "letter": 30, "oral": 15}

// partnerWords are the words that name partners in the carrier's answer
// (written in French); those found are quoted as they are.
var partnerWords = []string{"partenaire", "incubat", "pépinière", "comité", "bassin d'emploi", "mission locale", "france travail", "pôle emploi",
	"chambre", "cci", "association", "collectif", "coopérative", "réseau"}

func governanceComponent(l *i18n.Localizer, f facts, actions []Action, suggest func(code, because string)) Component {
	c := Component{Code: "governance"}
	kind := carrierPoints[f.carrierKind]
	off := officialsPoints[f.officials]
	switch f.officials {
	case "", "not_yet":
		suggest("brief_officials", l.T("diag.because.officials_not_yet"))
	case "oral":
		suggest("brief_officials", l.T("diag.because.officials_oral"))
	}
	text := strings.ToLower(f.partnersText)
	var found []string
	for _, w := range partnerWords {
		if strings.Contains(text, w) {
			found = append(found, w)
		}
	}
	partners := 0
	partnersInput := l.T("diag.value.no_partners")
	if len(found) > 0 {
		partners, partnersInput = 20, l.T("diag.value.partners_named", strings.Join(found, ", "))
	}
	if slices.ContainsFunc(actions, func(a Action) bool { return a.Code == "find_partners" && a.Status == "done" }) {
		partners, partnersInput = 20, l.T("diag.value.partners_found")
	}
	if partners == 0 {
		suggest("find_partners", l.T("diag.because.no_partners"))
	}
	c.Inputs = []Input{
		{l.T("diag.input.carrier"), orNone(l, labelOf(l, "diag.carrier.", f.carrierKind))},
		{l.T("diag.input.officials"), orNone(l, labelOf(l, "diag.officials.", f.officials))},
		{l.T("diag.input.partners"), partnersInput},
	}
	c.Computed = kind + off + partners
	c.Method = l.T("diag.method.governance", kind, off, partners)
	return c
}

func (s *Service) neighbourhoodComponent(ctx context.Context, l *i18n.Localizer, f facts) Component {
	c := Component{Code: "neighbourhood"}
	commune, ok := s.Territory.Commune(f.commune)
	if !ok {
		c.Computed = 50
		c.Inputs = []Input{{l.T("diag.input.commune"), l.T("diag.value.no_commune")}}
		c.Method = l.T("diag.method.neighbourhood_no_commune")
		return c
	}
	var near []string
	if s.Places != nil {
		ans, err := s.Places.Find(ctx, places.Query{Commune: commune.Code, RadiusKm: fmt.Sprint(NearbyKm)}, time.Now())
		if err == nil {
			for _, p := range ans.Places {
				if p.ID == f.self {
					continue
				}
				near = append(near, fmt.Sprintf("%s (%s km)", p.Name, l.Decimal(math.Round(p.DistanceKm*10)/10)))
			}
		}
	}
	step, zone := 15, l.T("diag.zone.urban")
	if commune.Rural() {
		step, zone = 30, l.T("diag.zone.rural")
	}
	c.Computed = max(10, 100-step*len(near))
	nearText := l.T("diag.value.no_nearby")
	if len(near) > 0 {
		nearText = strings.Join(near, ", ")
	}
	c.Inputs = []Input{
		{l.T("diag.input.commune"), commune.Name},
		{l.T("diag.input.density"), l.T("diag.value.density", commune.Density, zone)},
		{l.T("diag.input.nearby", NearbyKm), nearText},
	}
	c.Method = l.T("diag.method.neighbourhood", NearbyKm)
	return c
}

type adjustment struct {
	score  int
	reason string
}

func (s *Service) adjustments(ctx context.Context, kind string, id int64) (map[string]adjustment, error) {
	out := map[string]adjustment{}
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT component, score, reason FROM diagnostic_adjustments WHERE subject_kind = $1 AND subject_id = $2`, kind, id)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var code string
			var a adjustment
			if err := rows.Scan(&code, &a.score, &a.reason); err != nil {
				return err
			}
			out[code] = a
		}
		return rows.Err()
	})
	return out, err
}

// subjectExists checks that the subject is there.
func subjectExists(ctx context.Context, tx *db.Tx, kind string, id int64) error {
	table := "applications"
	if kind == SubjectPlace {
		table = "places"
	} else if kind != SubjectApplication {
		return errNotFound
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM `+table+` WHERE id = $1`, id).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return errNotFound
	}
	return nil
}

// Adjust sets a component's score, overriding the computed one, with the
// coordinator's reason (required).
func (s *Service) Adjust(ctx context.Context, by accounts.User, subjectKind string, subjectID int64, component string, score int, reason string) error {
	if !mayInstruct(by) {
		return errNotFound
	}
	p := coop.Problems{}
	if !slices.Contains(Components, component) {
		p.Add("component", "error.choose_in_list")
	}
	if score < 0 || score > 100 {
		p.Add("score", "error.out_of_range")
	}
	reason = strings.TrimSpace(reason)
	switch n := utf8.RuneCountInString(reason); {
	case n == 0:
		p.Add("reason", "ami.diag.reason_required")
	case n > 2000:
		p.Add("reason", "error.too_long")
	}
	if err := p.Err(); err != nil {
		return err
	}
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		if err := subjectExists(ctx, tx, subjectKind, subjectID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO diagnostic_adjustments (subject_kind, subject_id, component, score, reason, by_user, at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)
			ON CONFLICT (subject_kind, subject_id, component) DO UPDATE SET score = excluded.score, reason = excluded.reason, by_user = excluded.by_user, at = excluded.at`,
			subjectKind, subjectID, component, score, reason, by.ID, tx.Now)
		return err
	})
}

// ClearAdjustment removes a component's adjustment: the computed score
// counts again.
func (s *Service) ClearAdjustment(ctx context.Context, by accounts.User, subjectKind string, subjectID int64, component string) error {
	if !mayInstruct(by) {
		return errNotFound
	}
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM diagnostic_adjustments WHERE subject_kind = $1 AND subject_id = $2 AND component = $3`, subjectKind, subjectID, component)
		return err
	})
}
