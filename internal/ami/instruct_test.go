package ami_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"coopconnect/internal/ami"
	"coopconnect/internal/coop"
	"coopconnect/internal/db"
	"coopconnect/internal/places"
	"coopconnect/internal/testkit"
)

// submitted starts a file and submits it complete, with its documents and
// some more answers.
func submitted(t *testing.T, f *fixture, d *db.DB, structure, kind, commune string, more map[string][]string) ami.Application {
	t.Helper()
	a, secret, err := f.svc.Start(ctx, f.call.PublicID, ami.StartInput{Structure: structure, CarrierKind: kind, Commune: commune,
		ContactName: "Jeanne Roux", ContactEmail: "contact@" + strings.ToLower(strings.ReplaceAll(structure, " ", "")) + ".example.fr", ContactPhone: "04 92 00 00 00"}, today)
	if err != nil {
		t.Fatal(err)
	}
	for _, doc := range []string{"statutes", "premises"} {
		if _, err := d.SQL.ExecContext(ctx, `INSERT INTO application_documents (public_id, application_id, code, filename, content_type, size, data, uploaded_at)
			VALUES ($1, $2, $3, 'f.pdf', 'application/pdf', 4, $4, $5)`, a.PublicID+doc, a.ID, doc, []byte("%PDF"), time.Now().UTC()); err != nil {
			t.Fatal(err)
		}
	}
	form := completeForm()
	for k, v := range more {
		form[k] = v
	}
	if a, err = f.svc.Submit(ctx, secret, form, today); err != nil {
		t.Fatalf("submit %s: %v", structure, err)
	}
	return a
}

func TestInstruct_NotesQuestionsInterviewsWithWhoAndWhen(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		a := submitted(t, f, d, "Mairie de Lurs", "commune", "Lurs", nil)
		// Only the team; empty texts are refused.
		if err := f.svc.Note(ctx, f.member, a.PublicID, "Vu"); coop.ErrorCode(err) != coop.ENotFound {
			t.Errorf("a member's note: %v", err)
		}
		if err := f.svc.Note(ctx, f.coord, a.PublicID, "  "); coop.AsError(err).Fields["note"] != "error.required" {
			t.Errorf("an empty note: %v", err)
		}
		if err := f.svc.Note(ctx, f.coord, a.PublicID, "Salle trop petite pour deux publics."); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.Ask(ctx, f.coord, a.PublicID, "Le local est-il accessible en fauteuil ?"); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.Interview(ctx, f.coord, a.PublicID, "2099-01-01", "x"); coop.AsError(err).Fields["on_day"] != "ami.interview_future" {
			t.Errorf("an interview in the future: %v", err)
		}
		if err := f.svc.Interview(ctx, f.coord, a.PublicID, "2026-03-09", ""); coop.AsError(err).Fields["notes"] != "error.required" {
			t.Errorf("an interview without notes: %v", err)
		}
		if err := f.svc.Interview(ctx, f.coord, a.PublicID, "2026-03-09", "Maire motivé, animatrice à mi-temps."); err != nil {
			t.Fatal(err)
		}
		all, err := f.svc.Events(ctx, a.ID, true)
		if err != nil {
			t.Fatal(err)
		}
		var kinds []string
		for _, e := range all {
			kinds = append(kinds, e.Kind)
			if e.Kind == "note" || e.Kind == "question" || e.Kind == "interview" {
				if e.ByUser != f.coord.ID || e.ByName != f.coord.Name || e.At.IsZero() {
					t.Errorf("%s recorded by %d %q at %v", e.Kind, e.ByUser, e.ByName, e.At)
				}
			}
			if e.Kind == "interview" && (e.OnDay != "2026-03-09" || !strings.Contains(e.Body, "animatrice")) {
				t.Errorf("interview %+v", e)
			}
		}
		if got, want := strings.Join(kinds, " "), "created state note question interview"; got != want {
			t.Errorf("history %q, want %q", got, want)
		}
		// The candidate sees the question, not the team's note and interview.
		public, _ := f.svc.Events(ctx, a.ID, false)
		for _, e := range public {
			if e.Kind == "note" || e.Kind == "interview" {
				t.Errorf("the candidate sees a %s", e.Kind)
			}
		}
		msgs, _, err := f.mailer.List(ctx, 10, 0)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, m := range msgs {
			if m.To == a.ContactEmail && strings.Contains(m.Text, "accessible en fauteuil") && strings.Contains(m.Text, "lien personnel") {
				found = true
			}
		}
		if !found {
			t.Errorf("the question was not emailed to %s: %+v", a.ContactEmail, msgs)
		}
	})
}

func TestInstruct_FiltersAndSorting(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		lurs := submitted(t, f, d, "Mairie de Lurs", "commune", "04106", nil)
		marseille := submitted(t, f, d, "Association Zinc", "association", "13055", nil)
		gap := submitted(t, f, d, "Bureau partagé de Gap", "company", "05061", nil)
		if err := f.svc.Move(ctx, f.coord, gap.PublicID, ami.Instruction, ""); err != nil {
			t.Fatal(err)
		}
		names := func(rows []ami.Row) string {
			var out []string
			for _, r := range rows {
				out = append(out, r.Structure)
			}
			return strings.Join(out, ", ")
		}
		rows, err := f.svc.Rows(ctx, f.coord, f.call.PublicID, ami.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 3 || rows[0].PublicID != lurs.PublicID || rows[0].Department != "04" || rows[0].Density == 0 || rows[0].CommuneName != "Lurs" {
			t.Fatalf("rows %+v", rows)
		}
		if !rows[0].Rural || rows[1].Rural || rows[1].Area() != "urban" {
			t.Errorf("Lurs rural %v, Marseille rural %v", rows[0].Rural, rows[1].Rural)
		}
		for _, c := range []struct {
			f    ami.Filter
			want string
		}{
			{ami.Filter{State: "instruction"}, "Bureau partagé de Gap"},
			{ami.Filter{Department: "13"}, "Association Zinc"},
			{ami.Filter{Area: "urban", Sort: "structure"}, "Association Zinc, Bureau partagé de Gap"},
			{ami.Filter{Area: "rural"}, "Mairie de Lurs"},
			{ami.Filter{Kind: "commune"}, "Mairie de Lurs"},
			{ami.Filter{Q: "zinc"}, "Association Zinc"},
			{ami.Filter{Q: "marseille"}, "Association Zinc"},
			{ami.Filter{Sort: "structure"}, "Association Zinc, Bureau partagé de Gap, Mairie de Lurs"},
			{ami.Filter{Sort: "structure", Desc: true}, "Mairie de Lurs, Bureau partagé de Gap, Association Zinc"},
			{ami.Filter{Sort: "commune"}, "Bureau partagé de Gap, Mairie de Lurs, Association Zinc"},
			{ami.Filter{Sort: "state"}, "Mairie de Lurs, Association Zinc, Bureau partagé de Gap"},
			{ami.Filter{Sort: "date", Desc: true}, "Bureau partagé de Gap, Association Zinc, Mairie de Lurs"},
		} {
			rows, err := f.svc.Rows(ctx, f.coord, f.call.PublicID, c.f)
			if err != nil {
				t.Fatal(err)
			}
			if got := names(rows); got != c.want {
				t.Errorf("%+v: %q, want %q", c.f, got, c.want)
			}
		}
		if _, err := f.svc.Rows(ctx, f.member, f.call.PublicID, ami.Filter{}); coop.ErrorCode(err) != coop.ENotFound {
			t.Errorf("a member lists the files: %v", err)
		}
		_ = marseille
	})
}

func TestInstruct_StatsWithTimeInEachState(t *testing.T) {
	for _, engine := range testkit.Engines(t) {
		t.Run(string(engine), func(t *testing.T) {
			clock := coop.NewFixedClock(time.Date(2026, 3, 10, 8, 0, 0, 0, time.UTC))
			d := testkit.NewDB(t, engine, clock)
			f := newFixture(t, d)
			start := func(structure, commune string) (ami.Application, string) {
				a, secret, err := f.svc.Start(ctx, f.call.PublicID, ami.StartInput{Structure: structure, CarrierKind: "commune", Commune: commune,
					ContactName: "Jo", ContactEmail: "jo@example.fr"}, today)
				if err != nil {
					t.Fatal(err)
				}
				for _, doc := range []string{"statutes", "premises"} {
					if _, err := d.SQL.ExecContext(ctx, `INSERT INTO application_documents (public_id, application_id, code, filename, content_type, size, data, uploaded_at)
						VALUES ($1, $2, $3, 'f.pdf', 'application/pdf', 4, $4, $5)`, a.PublicID+doc, a.ID, doc, []byte("%PDF"), clock.Now()); err != nil {
						t.Fatal(err)
					}
				}
				return a, secret
			}
			submit := func(secret string) {
				if _, err := f.svc.Submit(ctx, secret, completeForm(), today); err != nil {
					t.Fatal(err)
				}
			}
			move := func(a ami.Application, to ami.State, reason string) {
				if err := f.svc.Move(ctx, f.coord, a.PublicID, to, reason); err != nil {
					t.Fatal(err)
				}
			}
			// A: 2 h as a draft, 26 h submitted, 48 h in instruction, accepted.
			// B: 4 h as a draft, 12 h submitted, still in instruction.
			// C: 10 h as a draft in Marseille, still submitted.
			a, sa := start("A", "04106")
			b, sb := start("B", "05061")
			_, sc := start("C", "13055")
			clock.Advance(2 * time.Hour)
			submit(sa)
			clock.Advance(2 * time.Hour)
			submit(sb)
			clock.Advance(6 * time.Hour)
			submit(sc)
			clock.Advance(6 * time.Hour)
			move(b, ami.Instruction, "")
			clock.Advance(12 * time.Hour)
			move(a, ami.Instruction, "")
			clock.Advance(48 * time.Hour)
			move(a, ami.Accepted, "Un beau projet.")

			st, err := f.svc.Stats(ctx, f.coord, f.call.PublicID)
			if err != nil {
				t.Fatal(err)
			}
			count := func(cs []ami.Count, key string) int {
				for _, c := range cs {
					if c.Key == key {
						return c.N
					}
				}
				return -1
			}
			if st.Total != 3 || count(st.ByState, "draft") != 0 || count(st.ByState, "submitted") != 1 || count(st.ByState, "instruction") != 1 || count(st.ByState, "accepted") != 1 ||
				count(st.ByState, "refused") != 0 || len(st.ByState) != len(ami.States) {
				t.Errorf("by state %+v", st.ByState)
			}
			if count(st.ByDepartment, "04") != 1 || count(st.ByDepartment, "05") != 1 || count(st.ByDepartment, "13") != 1 {
				t.Errorf("by département %+v", st.ByDepartment)
			}
			if st.Rural != 1 || st.Urban != 2 || st.Unknown != 0 { // Lurs; Gap and Marseille
				t.Errorf("rural %d, urban %d, unknown %d", st.Rural, st.Urban, st.Unknown)
			}
			want := map[ami.State]ami.StateTime{
				ami.Draft:       {Stays: 3, Mean: 5*time.Hour + 20*time.Minute, Median: 4 * time.Hour},
				ami.Submitted:   {Stays: 2, Mean: 19 * time.Hour, Median: 19 * time.Hour},
				ami.Instruction: {Stays: 1, Mean: 48 * time.Hour, Median: 48 * time.Hour},
			}
			if len(st.Times) != len(want) {
				t.Errorf("times %+v", st.Times)
			}
			for _, got := range st.Times {
				w := want[got.State]
				if got.Stays != w.Stays || got.Mean != w.Mean || got.Median != w.Median {
					t.Errorf("%s: %+v, want %+v", got.State, got, w)
				}
			}
			if _, err := f.svc.Stats(ctx, f.member, f.call.PublicID); coop.ErrorCode(err) != coop.ENotFound {
				t.Errorf("a member reads the statistics: %v", err)
			}
		})
	}
}

func TestInstruct_ToPlaceCarriesTheFile(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		a := submitted(t, f, d, "CC Pays Forcalquier Montagne de Lure", "epci", "04088", map[string][]string{
			"q.down_mbps": {"95,5"}, "q.up_mbps": {"40"}, "q.equipment": {"copier", "accessible", "furniture"},
			"q.publics": {"professionals"}, "q.hours": {"Du mardi au samedi"},
		})
		in := ami.ToPlaceInput{Status: "testing", Address: "Place du Bourguet"}
		// Not accepted yet: refused, nothing created.
		if _, err := f.svc.ToPlace(ctx, f.coord, a.PublicID, in); coop.ErrorCode(err) != coop.EPrecondition {
			t.Fatalf("a submitted file becomes a place: %v", err)
		}
		accept(t, f, a)
		if _, err := f.svc.ToPlace(ctx, f.member, a.PublicID, in); coop.ErrorCode(err) != coop.ENotFound {
			t.Errorf("a member converts: %v", err)
		}
		if _, err := f.svc.ToPlace(ctx, f.coord, a.PublicID, ami.ToPlaceInput{Status: "open", Address: "x"}); coop.AsError(err).Fields["status"] == "" {
			t.Errorf("status open accepted: %v", err)
		}
		if _, err := f.svc.ToPlace(ctx, f.coord, a.PublicID, ami.ToPlaceInput{Status: "project"}); coop.AsError(err).Fields["address"] == "" {
			t.Errorf("no address: %v", err)
		}
		var carriers int
		if err := d.SQL.QueryRowContext(ctx, `SELECT count(*) FROM carriers`).Scan(&carriers); err != nil || carriers != 0 {
			t.Fatalf("carriers created by refused conversions: %d %v", carriers, err)
		}
		pl, err := f.svc.ToPlace(ctx, f.coord, a.PublicID, in)
		if err != nil {
			t.Fatal(err)
		}
		if pl.Name != a.Structure || pl.CommuneCode != "04088" || pl.Status != "testing" || pl.ConnectionKind != "fibre" ||
			pl.DownMbps == nil || *pl.DownMbps != 95.5 || pl.UpMbps == nil || *pl.UpMbps != 40 || pl.Audience != "professionals" ||
			pl.ContactEmail != a.ContactEmail || pl.ContactName != "Jeanne Roux" || !strings.Contains(pl.Description, "Du mardi au samedi") {
			t.Errorf("place %+v", pl)
		}
		if strings.Join(pl.Equipment, " ") != "printer_scanner step_free accessible_toilets" {
			t.Errorf("equipment %v", pl.Equipment)
		}
		c, err := f.svc.Places.Carrier(ctx, f.coord, pl.CarrierID)
		if err != nil {
			t.Fatal(err)
		}
		if c.Name != a.Structure || c.Kind != "epci" || c.SIREN != "240400440" || c.CommuneCode != "04088" {
			t.Errorf("carrier %+v", c)
		}
		got, err := f.svc.Application(ctx, f.coord, a.PublicID)
		if err != nil || got.PlaceID != pl.ID {
			t.Errorf("the file's place %d, want %d (%v)", got.PlaceID, pl.ID, err)
		}
		events, _ := f.svc.Events(ctx, a.ID, true)
		if last := events[len(events)-1]; last.Kind != "place" || last.Body != pl.Slug || last.ByUser != f.coord.ID {
			t.Errorf("last event %+v", last)
		}
		if _, err := f.svc.ToPlace(ctx, f.coord, a.PublicID, in); coop.ErrorCode(err) != coop.EConflict {
			t.Errorf("a second conversion: %v", err)
		}
	})
}

// accept takes a submitted file through instruction to accepted.
func accept(t *testing.T, f *fixture, a ami.Application) {
	t.Helper()
	for _, to := range []ami.State{ami.Instruction, ami.Accepted} {
		if err := f.svc.Move(ctx, f.coord, a.PublicID, to, "Retenu."); err != nil {
			t.Fatal(err)
		}
	}
}

// Two coordinators converting one file at once: one place, one carrier;
// the other is told the file has its place, and nothing of theirs stays.
func TestInstruct_ToPlaceTwiceAtOnceMakesOnePlace(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		a := submitted(t, f, d, "CC Pays Forcalquier Montagne de Lure", "epci", "04088", nil)
		accept(t, f, a)
		in := ami.ToPlaceInput{Status: "project", Address: "Place du Bourguet"}
		won := testkit.AtOnceBehind(t, d, `SELECT 1 FROM applications WHERE id = $1 FOR UPDATE`, []any{a.ID}, 6, coop.EConflict, func(int) error {
			_, err := f.svc.ToPlace(ctx, f.coord, a.PublicID, in)
			return err
		})
		var carriers, placesOf int
		if err := d.SQL.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM carriers), (SELECT count(*) FROM places WHERE name = $1)`,
			a.Structure).Scan(&carriers, &placesOf); err != nil {
			t.Fatal(err)
		}
		if won != 1 || carriers != 1 || placesOf != 1 {
			t.Fatalf("%d conversions succeeded, %d carriers and %d places made; want 1, 1 and 1", won, carriers, placesOf)
		}
	})
}

func TestInstruct_ToPlaceNeedsTheCarrierIdentifiers(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		a := submitted(t, f, d, "Lure Numérique", "association", "04088", nil)
		accept(t, f, a)
		_, err := f.svc.ToPlace(ctx, f.coord, a.PublicID, ami.ToPlaceInput{Status: "project", Address: "1 rue Grande"})
		if e := coop.AsError(err); e == nil || e.Fields["rna"] == "" || e.Fields["siren"] == "" {
			t.Fatalf("an association without identifiers: %v", err)
		}
		if got, _ := f.svc.Application(ctx, f.coord, a.PublicID); got.PlaceID != 0 {
			t.Errorf("place recorded after a refusal")
		}
		// An existing carrier will do.
		existing, err := f.svc.Places.CreateCarrier(ctx, f.coord, placesCarrier("Lure Numérique"))
		if err != nil {
			t.Fatal(err)
		}
		pl, err := f.svc.ToPlace(ctx, f.coord, a.PublicID, ami.ToPlaceInput{Status: "project", Address: "1 rue Grande", CarrierID: itoa(existing.ID)})
		if err != nil {
			t.Fatal(err)
		}
		if pl.CarrierID != existing.ID || pl.Status != "project" {
			t.Errorf("place %+v", pl)
		}
	})
}

func placesCarrier(name string) places.CarrierInput {
	return places.CarrierInput{Name: name, Kind: "individual"}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
