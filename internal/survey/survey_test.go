package survey_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"coopconnect/internal/accounts"
	"coopconnect/internal/coop"
	"coopconnect/internal/db"
	"coopconnect/internal/survey"
	"coopconnect/internal/territory"
	"coopconnect/internal/testkit"
)

var ctx = context.Background()

var loadTerritory = sync.OnceValues(territory.Load)

func communes(t testing.TB) *territory.Index {
	t.Helper()
	ix, err := loadTerritory()
	if err != nil {
		t.Fatal(err)
	}
	return ix
}

// fixture is a survey service over a fresh database, with a coordinator
// and a campaign on the CC Pays Forcalquier et Montagne de Lure, open on
// the clock's day.
type fixture struct {
	svc   *survey.Service
	clock *coop.FixedClock
	coord accounts.User
	sv    survey.Survey
}

func newFixture(t *testing.T, d *db.DB) *fixture {
	t.Helper()
	clock := coop.NewFixedClock(time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC))
	f := &fixture{svc: &survey.Service{DB: d, Territory: communes(t), Clock: clock}, clock: clock}
	f.coord = mkUser(t, d, "coord@example.fr", accounts.Coordinator)
	var err error
	f.sv, err = f.svc.Create(ctx, f.coord, survey.Input{Title: "Besoins du Pays de Forcalquier", Privacy: survey.DefaultPrivacy,
		OpensOn: "2026-03-01", ClosesOn: "2026-04-30", Areas: "240400440"})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func mkUser(t *testing.T, d *db.DB, email string, role accounts.Role) accounts.User {
	t.Helper()
	u := accounts.User{Email: email, Name: email, Role: role}
	err := d.Write(ctx, func(tx *db.Tx) error {
		return tx.QueryRowContext(ctx, `INSERT INTO users (public_id, email, name, role, password_hash, created_at, updated_at)
			VALUES ($1, $1, $1, $2, 'x', $3, $3) RETURNING id`, email, string(role), tx.Now).Scan(&u.ID)
	})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// submit parses a form as the public page does and stores the answer.
func (f *fixture) submit(t *testing.T, form map[string][]string) {
	t.Helper()
	a, err := f.sv.Version.Questionnaire.Parse(f.svc.Territory, form)
	if err != nil {
		t.Fatalf("parse %v: %v", form, err)
	}
	if err := f.svc.Submit(ctx, f.sv, "", a); err != nil {
		t.Fatal(err)
	}
}

func answer(home, status, use string, km int) map[string][]string {
	return map[string][]string{"q.home_commune": {home}, "q.status": {status}, "q.use_place": {use},
		"q.commute_km": {fmt.Sprint(km)}, "q.services": {"desk", "fast_connection"}}
}

func TestWilson_KnownValues(t *testing.T) {
	for _, tt := range []struct {
		k, n     int
		lo, high float64
	}{
		{0, 10, 0, 0.2775}, {5, 10, 0.2366, 0.7634}, {10, 10, 0.7225, 1}, {81, 263, 0.2553, 0.3662},
	} {
		lo, hi := survey.Wilson(tt.k, tt.n)
		if math.Abs(lo-tt.lo) > 5e-4 || math.Abs(hi-tt.high) > 5e-4 {
			t.Errorf("Wilson(%d, %d) = %.4f–%.4f, want %.4f–%.4f", tt.k, tt.n, lo, hi, tt.lo, tt.high)
		}
	}
}

func TestDefault_IsValidAndEveryConditionPointsBack(t *testing.T) {
	qn := survey.Default()
	if p := qn.Check(); len(p) > 0 {
		t.Fatalf("default questionnaire: %v", p)
	}
	for _, q := range qn.Questions {
		if q.Label.EN == "" {
			t.Errorf("%s has no English label", q.ID)
		}
	}
}

func TestCheck_RefusesBrokenQuestionnaires(t *testing.T) {
	num := func(v float64) *float64 { return &v }
	for name, tt := range map[string]struct {
		edit  func(*survey.Questionnaire)
		field string
		key   string
	}{
		"scale upside down": {func(qn *survey.Questionnaire) { qn.Questions[len(qn.Questions)-4].Max = num(0) }, "q.meetups", "survey.editor.scale_invalid"},
		"condition on a later question": {func(qn *survey.Questionnaire) {
			qn.Questions[1].ShowIf = &survey.Condition{Question: "use_place", AnyOf: []string{"regular"}}
		}, "q.status", "survey.editor.condition_invalid"},
		"same id twice":       {func(qn *survey.Questionnaire) { qn.Questions[2].ID = "status" }, "q.status", "survey.editor.id_taken"},
		"no residence":        {func(qn *survey.Questionnaire) { qn.Residence = "status" }, "questionnaire", "survey.editor.residence_required"},
		"one option":          {func(qn *survey.Questionnaire) { qn.Questions[1].Options = qn.Questions[1].Options[:1] }, "q.status", "survey.editor.options_required"},
		"crosstab of a multi": {func(qn *survey.Questionnaire) { qn.Crosstabs[0].Col = "services" }, "questionnaire", "survey.editor.crosstab_invalid"},
	} {
		t.Run(name, func(t *testing.T) {
			qn := survey.Default()
			tt.edit(&qn)
			if got := qn.Check()[tt.field]; got != tt.key {
				t.Errorf("Check()[%q] = %q, want %q (all: %v)", tt.field, got, tt.key, qn.Check())
			}
		})
	}
}

func TestParse_ChecksEveryKindAndDropsUnaskedQuestions(t *testing.T) {
	qn := survey.Default()
	ix := communes(t)
	a, err := qn.Parse(ix, map[string][]string{
		"q.home_commune": {"forcalquier"}, "q.status": {"retired"}, "q.use_place": {"regular"},
		"q.commute_km": {"12"}, // asked only to people at work: dropped
		"q.services":   {"printer", "desk", "other"}, "q.services.other": {"Un atelier bois"},
		"q.meetups": {"4"}, "q.days": {"tue_am", "mon_pm"}, "q.telework_wish": {"2,0"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if a["home_commune"].Text != "04088" {
		t.Errorf("home commune %q, want 04088", a["home_commune"].Text)
	}
	if _, ok := a["commute_km"]; ok {
		t.Error("commute_km kept though its condition is not met")
	}
	if got := a["services"].Choices; !slices.Equal(got, []string{"desk", "printer", "other"}) || a["services"].Other != "Un atelier bois" {
		t.Errorf("services %v %q", got, a["services"].Other)
	}
	if got := a["days"].Choices; !slices.Equal(got, []string{"mon_pm", "tue_am"}) {
		t.Errorf("days %v", got)
	}

	_, err = qn.Parse(ix, map[string][]string{
		"q.home_commune": {"Nulle-Part-sur-Mer"}, "q.status": {"employee"}, "q.use_place": {"maybe"},
		"q.commute_km": {"400"}, "q.telework_now": {"1,5"}, "q.services": {"other"},
	})
	e := coop.AsError(err)
	if e == nil || e.Code != coop.EInvalid {
		t.Fatalf("err = %v, want invalid", err)
	}
	want := map[string]string{
		"q.home_commune": "survey.commune_unknown", "q.use_place": "survey.option_unknown",
		"q.commute_km": "survey.number_range", "q.telework_now": "survey.integer_required",
	}
	for f, key := range want {
		if e.Fields[f] != key {
			t.Errorf("%s: %q, want %q", f, e.Fields[f], key)
		}
	}
	if args := e.FieldArgs["q.commute_km"]; len(args) != 2 || args[0] != 0.0 || args[1] != 300.0 {
		t.Errorf("commute_km bounds %v", args)
	}
	if _, err := qn.Parse(ix, map[string][]string{"q.home_commune": {"04088"}, "q.status": {"employee"}}); coop.AsError(err).Fields["q.use_place"] != "survey.required" {
		t.Errorf("missing required question: %v", err)
	}
}

func TestSubmit_StoresTheDayOnlyAndRefusesAClosedCampaign(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.submit(t, answer("04088", "employee", "regular", 12))
		var day, source string
		if err := d.SQL.QueryRowContext(ctx, `SELECT answered_on, source FROM survey_responses`).Scan(&day, &source); err != nil {
			t.Fatal(err)
		}
		if day != "2026-03-10" || source != "web" {
			t.Errorf("stored %q %q", day, source)
		}
		f.clock.Advance(60 * 24 * time.Hour)
		a, _ := f.sv.Version.Questionnaire.Parse(f.svc.Territory, answer("04088", "employee", "regular", 12))
		if err := f.svc.Submit(ctx, f.sv, "", a); coop.ErrorCode(err) != coop.EPrecondition {
			t.Errorf("closed campaign: %v", err)
		}
	})
}

// Changes made from the same questionnaire, saved at once: one is kept,
// the others are refused, never silently undone by the next.
func TestSaveQuestionnaire_FromAnOvertakenBaseIsRefused(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		base := coop.Fingerprint(f.sv.Version.Questionnaire)
		saved := testkit.AtOnceBehind(t, d, `SELECT 1 FROM surveys WHERE id = $1 FOR UPDATE`, []any{f.sv.ID}, 6, coop.EConflict, func(i int) error {
			qn := f.sv.Version.Questionnaire
			qn.Questions = slices.Clone(qn.Questions)
			qn.Questions[1].Label.FR = fmt.Sprintf("Votre situation, version %d ?", i)
			_, err := f.svc.SaveQuestionnaire(ctx, f.coord, f.sv.PublicID, base, qn)
			return err
		})
		if saved != 1 {
			t.Fatalf("%d saves from the same base kept, want 1", saved)
		}
		sv, _ := f.svc.Get(ctx, f.sv.PublicID)
		if _, err := f.svc.SaveQuestionnaire(ctx, f.coord, f.sv.PublicID, coop.Fingerprint(sv.Version.Questionnaire), sv.Version.Questionnaire); err != nil {
			t.Errorf("a save from the questionnaire as it is: %v", err)
		}
	})
}

func TestSaveQuestionnaire_VersionsOnceAnswered(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		qn := survey.Default()
		qn.Questions[1].Label.FR = "Votre situation aujourd'hui ?"
		if n, err := f.svc.SaveQuestionnaire(ctx, f.coord, f.sv.PublicID, "", qn); err != nil || n != 1 {
			t.Fatalf("before answers: version %d, %v", n, err)
		}
		f.submit(t, answer("04088", "employee", "regular", 12))
		qn.Questions = slices.DeleteFunc(qn.Questions, func(q survey.Question) bool { return q.ID == "comment" })
		if n, err := f.svc.SaveQuestionnaire(ctx, f.coord, f.sv.PublicID, "", qn); err != nil || n != 2 {
			t.Fatalf("after an answer: version %d, %v", n, err)
		}
		sv, _ := f.svc.Get(ctx, f.sv.PublicID)
		if sv.Version.Number != 2 {
			t.Errorf("current version %d", sv.Version.Number)
		}
		vs, counts, err := f.svc.Versions(ctx, sv.ID)
		if err != nil || len(vs) != 2 || counts[vs[0].ID] != 1 || counts[vs[1].ID] != 0 {
			t.Errorf("versions %d, counts %v, %v", len(vs), counts, err)
		}
		bad := survey.Default()
		bad.Residence = ""
		if _, err := f.svc.SaveQuestionnaire(ctx, f.coord, f.sv.PublicID, "", bad); coop.ErrorCode(err) != coop.EInvalid {
			t.Errorf("invalid questionnaire saved: %v", err)
		}
	})
}

// The results count what was answered, give Wilson intervals, and hide
// small cells and whatever would give them back.
func TestResults_CountAndSuppress(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		// Forcalquier: 40 answers; Niozelles: 12; Lurs: 3; one from Manosque.
		for i := range 40 {
			status := []string{"employee", "self_employed", "retired", "civil_servant"}[i%4]
			use := []string{"regular", "occasional", "no", "regular", "rarely"}[i%5]
			f.submit(t, answer("04088", status, use, 3+i))
		}
		for i := range 12 {
			use := "regular"
			if i < 2 {
				use = "no"
			}
			f.submit(t, answer("04138", "employee", use, 20))
		}
		for range 3 {
			f.submit(t, answer("Lurs", "employee", "occasional", 8))
		}
		f.submit(t, answer("04112", "student", "no", 30)) // Manosque, outside

		all, err := f.svc.Results(ctx, f.sv, "")
		if err != nil {
			t.Fatal(err)
		}
		if all.Responses != 56 || all.Hidden {
			t.Fatalf("responses %d hidden %v", all.Responses, all.Hidden)
		}
		use := question(t, all, "use_place")
		regular := cellOf(t, use, "regular")
		if use.Answered != 56 || regular.Count != 16+10 {
			t.Errorf("use_place answered %d, regular %d", use.Answered, regular.Count)
		}
		if lo, hi := survey.Wilson(26, 56); regular.Low != lo || regular.High != hi || regular.Proportion != 26.0/56 {
			t.Errorf("regular interval %v–%v", regular.Low, regular.High)
		}
		if all.Demand == nil || all.Demand.Count != 26 || all.Demand.Active == 0 ||
			all.Demand.Estimate != int(math.Round(26.0/56*float64(all.Demand.Active))) {
			t.Errorf("demand %+v", all.Demand)
		}
		km := question(t, all, "commute_km")
		if km.Summary == nil || km.Summary.N == 0 {
			t.Errorf("commute_km summary %+v", km.Summary)
		}

		// Lurs has 3 answers: hidden; and since the EPCI shows its total,
		// another commune must be hidden too, or EPCI − Forcalquier − Niozelles
		// would give Lurs back.
		lurs, err := f.svc.Results(ctx, f.sv, "04106")
		if err != nil {
			t.Fatal(err)
		}
		if !lurs.Hidden || lurs.Responses != 0 || lurs.Questions != nil {
			t.Errorf("Lurs not hidden: %+v", lurs)
		}
		niozelles, _ := f.svc.Results(ctx, f.sv, "04138")
		if q := question(t, niozelles, "use_place"); !cellOf(t, q, "no").Hidden || cellOf(t, q, "no").Count != 0 {
			t.Errorf("Niozelles: 2 answered no, shown %+v", cellOf(t, q, "no"))
		}
		// A single hidden cell in a distribution whose total shows would
		// be recovered: a second one is hidden.
		if q := question(t, niozelles, "use_place"); hiddenCount(q.Cells) < 2 && hiddenCount(q.Cells) > 0 {
			t.Errorf("Niozelles use_place: one hidden cell only: %+v", q.Cells)
		}
		// Commune questions have a class per commune of the campaign and
		// one for the rest, whatever was answered; the residence question
		// is the breakdown itself.
		work := question(t, all, "work_commune")
		if len(work.Cells) != len(f.sv.Communes)+1 || work.Cells[len(work.Cells)-1].Code != survey.Elsewhere {
			t.Errorf("work_commune has %d classes", len(work.Cells))
		}
		if slices.ContainsFunc(all.Questions, func(q survey.QuestionResult) bool { return q.Question.ID == "home_commune" }) {
			t.Error("the residence question is among the questions")
		}
		breakdown, err := f.svc.Breakdown(ctx, f.sv)
		if err != nil {
			t.Fatal(err)
		}
		attack(t, f, breakdown)
	})
}

func question(t *testing.T, r survey.Results, id string) survey.QuestionResult {
	t.Helper()
	for _, q := range r.Questions {
		if q.Question.ID == id {
			return q
		}
	}
	t.Fatalf("no question %s", id)
	return survey.QuestionResult{}
}

func cellOf(t *testing.T, q survey.QuestionResult, code string) survey.Cell {
	t.Helper()
	for _, c := range q.Cells {
		if c.Code == code {
			return c
		}
	}
	t.Fatalf("no cell %s in %s", code, q.Question.ID)
	return survey.Cell{}
}

func hiddenCount(cells []survey.Cell) int {
	n := 0
	for _, c := range cells {
		if c.Hidden {
			n++
		}
	}
	return n
}

// attack plays the reader who subtracts: from every published figure of
// every territory, it solves each sum with a single unknown until nothing
// more comes, and fails if it learns a count from 1 to 4.
func attack(t *testing.T, f *fixture, breakdown []survey.ScopeCount) {
	t.Helper()
	type key struct{ scope, q, code string }
	known := map[key]int{}
	hidden := map[key]bool{}
	var sums [][]key // first = sum of the rest
	var scopes []string
	for _, sc := range breakdown {
		scopes = append(scopes, sc.Code)
	}
	parents := map[string][]string{} // parent → children
	for _, sc := range breakdown[1:] {
		p := ""
		if sc.Kind == "commune" && sc.EPCI != "" && slices.ContainsFunc(breakdown, func(x survey.ScopeCount) bool { return x.Code == sc.EPCI }) {
			p = sc.EPCI
		}
		parents[p] = append(parents[p], sc.Code)
	}
	parents[""] = append(parents[""], "outside")
	var cellKeys []key
	for _, code := range scopes {
		r, err := f.svc.Results(ctx, f.sv, code)
		if err != nil {
			t.Fatal(err)
		}
		put := func(k key, n int, h bool) {
			if h {
				hidden[k] = true
			} else {
				known[k] = n
			}
		}
		put(key{code, "", ""}, r.Responses, r.Hidden)
		for _, q := range survey.Default().Questions {
			if q.Kind != survey.Single {
				continue
			}
			var qr survey.QuestionResult
			if !r.Hidden {
				qr = question(t, r, q.ID)
			}
			put(key{code, q.ID, ""}, qr.Answered, r.Hidden || qr.Hidden)
			sum := []key{{code, q.ID, ""}}
			for _, o := range q.Choices() {
				k := key{code, q.ID, o.Code}
				c := survey.Cell{Hidden: true}
				if !r.Hidden {
					c = cellOf(t, qr, o.Code)
				}
				put(k, c.Count, c.Hidden)
				sum = append(sum, k)
				if code == "" {
					cellKeys = append(cellKeys, key{"", q.ID, o.Code})
				}
			}
			sums = append(sums, sum)
		}
	}
	cellKeys = append(cellKeys, key{"", "", ""})
	for _, q := range survey.Default().Questions {
		if q.Kind == survey.Single {
			cellKeys = append(cellKeys, key{"", q.ID, ""})
		}
	}
	for p, kids := range parents {
		for _, ck := range cellKeys {
			sum := []key{{p, ck.q, ck.code}}
			for _, c := range kids {
				sum = append(sum, key{c, ck.q, ck.code})
			}
			sums = append(sums, sum)
		}
	}
	// The truth, to judge what the attacker learns.
	truth := map[key]int{}
	err := f.svc.EachResponse(ctx, f.sv, func(v survey.Version, r survey.Response) error {
		home := r.Commune
		if !slices.Contains(scopes, home) {
			home = "outside"
		}
		c, _ := f.svc.Territory.Commune(r.Commune)
		in := []string{home, ""}
		if home != "outside" && c.EPCI != "" && slices.Contains(scopes, c.EPCI) {
			in = append(in, c.EPCI)
		}
		for _, scope := range in {
			truth[key{scope, "", ""}]++
			for id, a := range r.Answers {
				if q, _ := v.Questionnaire.Question(id); q.Kind == survey.Single {
					truth[key{scope, id, ""}]++
					truth[key{scope, id, a.Choices[0]}]++
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(hidden) == 0 || len(known) == 0 {
		t.Fatalf("nothing to attack: %d known, %d hidden", len(known), len(hidden))
	}
	for k, n := range known {
		if truth[k] != n {
			t.Fatalf("published %v = %d, truth %d", k, n, truth[k])
		}
	}
	for learned := true; learned; {
		learned = false
		for _, s := range sums {
			var unknown []key
			for _, k := range s {
				if _, ok := known[k]; !ok {
					unknown = append(unknown, k)
				}
			}
			if len(unknown) != 1 {
				continue
			}
			v := 0
			for i, k := range s {
				if k == unknown[0] {
					continue
				}
				if i == 0 {
					v += known[k]
				} else {
					v -= known[k]
				}
			}
			if unknown[0] != s[0] {
				v = -v
			}
			known[unknown[0]], learned = v, true
			if v != truth[unknown[0]] {
				t.Fatalf("attacker solved %v = %d, truth %d", unknown[0], v, truth[unknown[0]])
			}
			if v > 0 && v < survey.MinCell && hidden[unknown[0]] {
				t.Errorf("hidden cell %v = %d recovered by subtraction", unknown[0], v)
			}
		}
	}
}

// Random territories: whatever the answers, subtraction recovers no
// hidden small cell.
func TestResults_NoSmallCellRecoverable(t *testing.T) {
	d := testkit.NewDB(t, db.SQLite, nil)
	f := newFixture(t, d)
	rng := rand.New(rand.NewPCG(7, 11))
	members := f.svc.Territory.Members("240400440")
	statuses := []string{"employee", "civil_servant", "self_employed", "business_owner", "job_seeker", "student", "retired"}
	uses := []string{"regular", "occasional", "rarely", "no"}
	for range 300 {
		// A few big communes, many small ones.
		c := members[min(len(members)-1, int(rng.ExpFloat64()*3))]
		f.submit(t, answer(c.Code, statuses[rng.IntN(len(statuses))], uses[rng.IntN(len(uses))], rng.IntN(60)))
	}
	breakdown, err := f.svc.Breakdown(ctx, f.sv)
	if err != nil {
		t.Fatal(err)
	}
	attack(t, f, breakdown)
}

func TestReadable_OfficialsSeeTheirTerritoryOnly(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		elu := mkUser(t, d, "elu@example.fr", accounts.Official)
		member := mkUser(t, d, "membre@example.fr", accounts.Member)
		if err := f.svc.SetOfficialAreas(ctx, f.coord, elu.ID, "Niozelles"); err != nil {
			t.Fatal(err)
		}
		visible, err := f.svc.Visible(ctx, elu)
		if err != nil || len(visible) != 1 {
			t.Fatalf("official sees %d campaigns, %v", len(visible), err)
		}
		codes, all, err := f.svc.Readable(ctx, elu, f.sv)
		if err != nil || all || !slices.Equal(codes, []string{"04138"}) {
			t.Errorf("official reads %v all=%v, %v", codes, all, err)
		}
		if codes, all, _ := f.svc.Readable(ctx, member, f.sv); all || len(codes) > 0 {
			t.Errorf("member reads %v %v", codes, all)
		}
		if err := f.svc.SetOfficialAreas(ctx, f.coord, member.ID, "Niozelles"); coop.ErrorCode(err) != coop.ENotFound {
			t.Errorf("areas on a member: %v", err)
		}
	})
}

// Answers counted as they come give the same results as a count from
// scratch.
func TestResults_IncrementalEqualsFromScratch(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		rng := rand.New(rand.NewPCG(3, 5))
		members := f.svc.Territory.Members("240400440")
		uses := []string{"regular", "occasional", "rarely", "no"}
		add := func(n int, homes []string) {
			for range n {
				form := answer(homes[rng.IntN(len(homes))], []string{"employee", "self_employed", "student"}[rng.IntN(3)], uses[rng.IntN(4)], rng.IntN(50))
				form["q.days"] = []string{"mon_am", "tue_pm", "fri_eve"}[:1+rng.IntN(3)]
				form["q.work_commune"] = []string{[]string{"04088", "04112", "13055"}[rng.IntN(3)]}
				f.submit(t, form)
			}
		}
		add(40, []string{members[0].Code, members[1].Code, members[2].Code})
		if _, err := f.svc.Results(ctx, f.sv, ""); err != nil {
			t.Fatal(err)
		}
		// Then communes of residence not met yet, in and out of the territory.
		add(25, []string{members[0].Code, members[3].Code, members[4].Code, "04112"})
		for _, code := range []string{"", "240400440", "04088"} {
			got, err := f.svc.Results(ctx, f.sv, code)
			if err != nil {
				t.Fatal(err)
			}
			fresh := &survey.Service{DB: d, Territory: f.svc.Territory, Clock: f.clock}
			want, err := fresh.Results(ctx, f.sv, code)
			if err != nil {
				t.Fatal(err)
			}
			if got.Responses != 65 && code == "" {
				t.Errorf("whole campaign: %d answers, want 65", got.Responses)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%q: counted as they came differs from a fresh count", code)
			}
		}
	})
}

// Warm computes the results of recent campaigns ahead of their readers.
func TestWarm_ComputesRecentCampaigns(t *testing.T) {
	d := testkit.NewDB(t, db.SQLite, nil)
	f := newFixture(t, d)
	for range 6 {
		f.submit(t, answer("04088", "employee", "regular", 12))
	}
	if err := f.svc.Warm(ctx); err != nil {
		t.Fatal(err)
	}
	// Answers deleted behind the cache's back (no revision bump): the
	// warmed service still counts them, a fresh one does not.
	if _, err := d.SQL.ExecContext(ctx, `DELETE FROM survey_responses`); err != nil {
		t.Fatal(err)
	}
	if r, err := f.svc.Results(ctx, f.sv, ""); err != nil || r.Responses != 6 {
		t.Errorf("warmed results: %d answers, %v", r.Responses, err)
	}
	fresh := &survey.Service{DB: d, Territory: f.svc.Territory, Clock: f.clock}
	if r, err := fresh.Results(ctx, f.sv, ""); err != nil || !r.Hidden {
		t.Errorf("fresh results: %+v, %v", r, err)
	}
}

// Readers and residents at once: the cache stays whole (run with -race).
func TestResults_ConcurrentReadersAndAnswers(t *testing.T) {
	d := testkit.NewDB(t, db.SQLite, nil)
	f := newFixture(t, d)
	a, err := f.sv.Version.Questionnaire.Parse(f.svc.Territory, answer("04088", "employee", "regular", 12))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for range 4 {
		wg.Go(func() {
			for range 10 {
				errs <- f.svc.Submit(ctx, f.sv, "", a)
			}
		})
	}
	for range 4 {
		wg.Go(func() {
			for range 10 {
				_, err := f.svc.Results(ctx, f.sv, "240400440")
				errs <- err
			}
		})
	}
	go func() { wg.Wait(); close(errs) }()
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	r, err := f.svc.Results(ctx, f.sv, "")
	if err != nil || r.Responses != 40 {
		t.Fatalf("%d answers counted, want 40 (%v)", r.Responses, err)
	}
}
