package survey

import (
	"context"
	"slices"
	"testing"
	"time"

	"coopconnect/internal/accounts"
	"coopconnect/internal/coop"
	"coopconnect/internal/db"
	"coopconnect/internal/territory"
	"coopconnect/internal/testkit"
)

// paperFixture is a campaign on the CC Pays Forcalquier et Montagne de
// Lure, with its coordinator and a member who may not key anything.
type paperFixture struct {
	s      *Service
	d      *db.DB
	coord  accounts.User
	member accounts.User
	sv     Survey
}

func newPaperFixture(t *testing.T, d *db.DB, opens, closes int) paperFixture {
	t.Helper()
	ctx := context.Background()
	ix, err := territory.Load()
	if err != nil {
		t.Fatal(err)
	}
	f := paperFixture{s: &Service{DB: d, Territory: ix, Clock: coop.SystemClock{}}, d: d}
	for _, u := range []struct {
		to   *accounts.User
		role accounts.Role
	}{{&f.coord, accounts.Coordinator}, {&f.member, accounts.Member}} {
		err := d.Write(ctx, func(tx *db.Tx) error {
			return tx.QueryRowContext(ctx, `INSERT INTO users (public_id, email, name, role, password_hash, created_at, updated_at)
				VALUES ($1, $2, $3, $4, 'x', $5, $5) RETURNING id`, "u-"+string(u.role), string(u.role)+"@example.fr", "Test", string(u.role), tx.Now).Scan(&u.to.ID)
		})
		if err != nil {
			t.Fatal(err)
		}
		u.to.Role = u.role
	}
	day := func(n int) string { return Paris(time.Now().AddDate(0, 0, n)) }
	f.sv, err = f.s.Create(ctx, f.coord, Input{Title: "Besoins du Pays de Forcalquier", Privacy: DefaultPrivacy,
		OpensOn: day(opens), ClosesOn: day(closes), Areas: "240400440"})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// sheetAnswers are a plausible paper sheet.
func sheetAnswers(status string, km float64) Answers {
	return Answers{
		"home_commune": {Text: "04088"},
		"status":       {Choices: []string{status}},
		"commute_km":   {Number: &km},
		"use_place":    {Choices: []string{"regular"}},
		"days":         {Choices: []string{"mon_am", "thu_pm"}},
		"comment":      {Text: "Vivement  un lieu"},
	}
}

func (f paperFixture) count(t *testing.T, where string) int {
	t.Helper()
	var n int
	err := f.d.Read(context.Background(), func(tx *db.Tx) error {
		return tx.QueryRowContext(context.Background(), `SELECT count(*) FROM survey_responses WHERE survey_id = $1 AND `+where, f.sv.ID).Scan(&n)
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func (f paperFixture) revision(t *testing.T) int {
	t.Helper()
	var n int
	err := f.d.Read(context.Background(), func(tx *db.Tx) error {
		return tx.QueryRowContext(context.Background(), `SELECT revision FROM surveys WHERE id = $1`, f.sv.ID).Scan(&n)
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func fieldOf(err error, field string) string {
	if e := coop.AsError(err); e != nil {
		return e.Fields[field]
	}
	return ""
}

func TestKeyPaper_StoresTheSheetOnce(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newPaperFixture(t, d, -10, 10)
		if err := f.s.KeyPaper(ctx, f.coord, f.sv.PublicID, " 12 ", sheetAnswers("employee", 14)); err != nil {
			t.Fatal(err)
		}
		var source, sheet, day, commune string
		err := d.Read(ctx, func(tx *db.Tx) error {
			return tx.QueryRowContext(ctx, `SELECT source, sheet, answered_on, commune_code FROM survey_responses WHERE survey_id = $1`, f.sv.ID).
				Scan(&source, &sheet, &day, &commune)
		})
		if err != nil {
			t.Fatal(err)
		}
		if source != SourcePaper || sheet != "12" || day != Paris(time.Now()) || commune != "04088" {
			t.Errorf("stored source %q sheet %q day %q commune %q", source, sheet, day, commune)
		}
		// The same number again: a clear problem on the sheet field, nothing stored.
		err = f.s.KeyPaper(ctx, f.coord, f.sv.PublicID, "12", sheetAnswers("retired", 0))
		if got := fieldOf(err, "sheet"); got != "survey.paper.sheet_taken" {
			t.Errorf("same sheet again: %v, want survey.paper.sheet_taken", err)
		}
		for _, bad := range []struct{ sheet, key string }{{"", "error.required"}, {"12/3", "survey.paper.sheet_invalid"}} {
			if got := fieldOf(f.s.KeyPaper(ctx, f.coord, f.sv.PublicID, bad.sheet, sheetAnswers("retired", 0)), "sheet"); got != bad.key {
				t.Errorf("sheet %q: %q, want %q", bad.sheet, got, bad.key)
			}
		}
		if err := f.s.KeyPaper(ctx, f.coord, f.sv.PublicID, "13", Answers{}); coop.ErrorCode(err) != coop.EInvalid {
			t.Errorf("an empty sheet: %v, want invalid", err)
		}
		// Only the campaign's team keys in sheets.
		if err := f.s.KeyPaper(ctx, f.member, f.sv.PublicID, "14", sheetAnswers("retired", 0)); coop.ErrorCode(err) != coop.ENotFound {
			t.Errorf("a member keys a sheet: %v, want not found", err)
		}
		if n := f.count(t, `source = 'paper'`); n != 1 {
			t.Errorf("%d paper answers stored, want 1", n)
		}
	})
}

func TestKeyPaper_AfterTheCloseNotBeforeTheOpening(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		closed := newPaperFixture(t, d, -30, -1)
		if err := closed.s.KeyPaper(ctx, closed.coord, closed.sv.PublicID, "1", sheetAnswers("employee", 3)); err != nil {
			t.Errorf("paper arriving after the close: %v", err)
		}
		if err := closed.s.Submit(ctx, closed.sv, "", sheetAnswers("employee", 3)); coop.ErrorCode(err) != coop.EPrecondition {
			t.Errorf("a web answer after the close: %v, want refused", err)
		}
		upcoming := closed
		var err error
		upcoming.sv, err = closed.s.Create(ctx, closed.coord, Input{Title: "Plus tard", Privacy: DefaultPrivacy,
			OpensOn: Paris(time.Now().AddDate(0, 0, 2)), ClosesOn: Paris(time.Now().AddDate(0, 0, 20)), Areas: "240400440"})
		if err != nil {
			t.Fatal(err)
		}
		if err := upcoming.s.KeyPaper(ctx, upcoming.coord, upcoming.sv.PublicID, "1", sheetAnswers("employee", 3)); coop.ErrorCode(err) != coop.EPrecondition {
			t.Errorf("paper before the opening: %v, want refused", err)
		}
	})
}

func TestSecondKeying_FlagsAndSettlesDisagreements(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newPaperFixture(t, d, -10, 10)
		id := f.sv.PublicID
		for _, n := range []string{"10", "2", "A-1"} {
			if err := f.s.KeyPaper(ctx, f.coord, id, n, sheetAnswers("employee", 14)); err != nil {
				t.Fatal(err)
			}
		}
		// Sheet 2 keyed again the same way, but for the case and spacing of the comment.
		same := sheetAnswers("employee", 14)
		same["comment"] = Value{Text: "vivement un lieu"}
		differs, err := f.s.SecondKeying(ctx, f.coord, id, "2", same)
		if err != nil || len(differs) != 0 {
			t.Fatalf("the same sheet keyed again: %v, %v", differs, err)
		}
		// Sheet 10 keyed again with another status and distance, without the days.
		other := sheetAnswers("self_employed", 41)
		delete(other, "days")
		differs, err = f.s.SecondKeying(ctx, f.coord, id, "10", other)
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{"status", "commute_km", "days"}; !slices.Equal(differs, want) {
			t.Errorf("disagreements %v, want %v (questionnaire order)", differs, want)
		}
		if _, err := f.s.SecondKeying(ctx, f.coord, id, "99", other); coop.ErrorCode(err) != coop.ENotFound {
			t.Errorf("an unknown sheet: %v, want not found", err)
		}
		if _, err := f.s.SecondKeying(ctx, f.member, id, "10", other); coop.ErrorCode(err) != coop.ENotFound {
			t.Errorf("a member's second keying: %v, want not found", err)
		}

		sheets, err := f.s.Sheets(ctx, f.coord, id)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, x := range sheets {
			got = append(got, x.Number+":"+string(x.State))
			if x.Day != Paris(time.Now()) {
				t.Errorf("sheet %s day %q", x.Number, x.Day)
			}
		}
		if want := []string{"2:agreed", "10:differs", "A-1:once"}; !slices.Equal(got, want) {
			t.Errorf("sheets %v, want %v", got, want)
		}
		dis, err := f.s.Disagreements(ctx, f.coord, id)
		if err != nil || len(dis) != 1 || dis[0].Number != "10" || len(dis[0].Differs) != 3 {
			t.Fatalf("disagreements %+v, %v", dis, err)
		}
		k, err := f.s.KeyedSheet(ctx, f.coord, id, "10")
		if err != nil {
			t.Fatal(err)
		}
		if k.First["status"].Choices[0] != "employee" || k.Second["status"].Choices[0] != "self_employed" || k.Version.Number != 1 {
			t.Errorf("keyed sheet %+v", k)
		}

		// A sheet keyed once cannot be settled; the one that differs can.
		if err := f.s.Settle(ctx, f.coord, id, "A-1", sheetAnswers("employee", 14)); coop.ErrorCode(err) != coop.EPrecondition {
			t.Errorf("settling a sheet keyed once: %v, want refused", err)
		}
		rev := f.revision(t)
		chosen := sheetAnswers("self_employed", 14)
		chosen["home_commune"] = Value{Text: "04070"}
		if err := f.s.Settle(ctx, f.coord, id, "10", chosen); err != nil {
			t.Fatal(err)
		}
		if got := f.revision(t); got != rev+1 {
			t.Errorf("revision %d after settling, want %d", got, rev+1)
		}
		k, err = f.s.KeyedSheet(ctx, f.coord, id, "10")
		if err != nil {
			t.Fatal(err)
		}
		if k.State != SheetSettled || k.First["status"].Choices[0] != "self_employed" || *k.First["commute_km"].Number != 14 {
			t.Errorf("settled sheet %+v", k)
		}
		if n := f.count(t, `sheet = '10' AND commune_code = '04070'`); n != 1 {
			t.Errorf("the settled sheet's commune of residence was not updated")
		}
		if dis, _ := f.s.Disagreements(ctx, f.coord, id); len(dis) != 0 {
			t.Errorf("disagreements left after settling: %+v", dis)
		}
		if _, err := f.s.SecondKeying(ctx, f.coord, id, "10", other); coop.ErrorCode(err) != coop.EPrecondition {
			t.Errorf("keying a settled sheet again: %v, want refused", err)
		}
	})
}

func TestForPaper_EveryQuestionOptional(t *testing.T) {
	qn := Default()
	p := qn.ForPaper()
	if _, err := p.Parse(nil, map[string][]string{"q.status": {"retired"}}); err != nil {
		t.Errorf("a paper sheet without its required answers: %v", err)
	}
	if !slices.ContainsFunc(qn.Questions, func(q Question) bool { return q.Required }) {
		t.Error("ForPaper changed the questionnaire it was given")
	}
}

func TestAnswerable_ListsOpenCampaigns(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newPaperFixture(t, d, -10, 10)
		if _, err := f.s.Create(ctx, f.coord, Input{Title: "Close", Privacy: DefaultPrivacy,
			OpensOn: Paris(time.Now().AddDate(0, 0, -20)), ClosesOn: Paris(time.Now().AddDate(0, 0, -1)), Areas: "04088"}); err != nil {
			t.Fatal(err)
		}
		list, err := f.s.Answerable(ctx, Paris(time.Now()))
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 1 || list[0].PublicID != f.sv.PublicID || len(list[0].Areas) != 1 || list[0].Areas[0].Name == "" {
			t.Errorf("open campaigns %+v", list)
		}
	})
}
