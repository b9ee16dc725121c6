package demo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"coopconnect/internal/accounts"
	"coopconnect/internal/ami"
	"coopconnect/internal/booking"
	"coopconnect/internal/coop"
	"coopconnect/internal/db"
	"coopconnect/internal/i18n"
	"coopconnect/internal/jobs"
	"coopconnect/internal/mail"
	"coopconnect/internal/places"
	"coopconnect/internal/survey"
	"coopconnect/internal/territory"
	"coopconnect/internal/testkit"
)

func TestLoad_TheDemoNetworkOnceAndOnlyOnAnEmptyDatabase(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		cat, err := i18n.Load()
		if err != nil {
			t.Fatal(err)
		}
		communes, err := territory.Load()
		if err != nil {
			t.Fatal(err)
		}
		acc := &accounts.Service{DB: d, Hasher: accounts.NewHasher(2), Mailer: mail.NewMailer(d, jobs.New(d, nil), mail.SMTPConfig{}, nil), Catalogs: cat}
		deps := Deps{Accounts: acc, Places: &places.Service{DB: d, Communes: communes}, Booking: &booking.Service{DB: d}, Surveys: &survey.Service{DB: d, Territory: communes, Clock: d.Clock}}
		if err := Load(ctx, deps); err != nil {
			t.Fatal(err)
		}
		all, err := deps.Places.Places(ctx, places.Filter{Statuses: places.Statuses})
		if err != nil || len(all) != len(demoPlaces) {
			t.Fatalf("%d places (%v), want %d", len(all), err, len(demoPlaces))
		}
		for _, p := range all {
			if p.Cover == "" {
				t.Errorf("%s has no photo", p.Name)
			}
			if p.OpeningHours != "" && deps.Places.Hours(p) == nil {
				t.Errorf("%s: hours %q do not parse", p.Name, p.OpeningHours)
			}
		}
		concierge, err := acc.UserByEmail(ctx, "accueil@demo.coopconnect.fr")
		if err != nil {
			t.Fatal(err)
		}
		now := d.Clock.Now()
		booked, err := deps.Booking.ForPlace(ctx, concierge, "la-filature", now, now.Add(15*24*time.Hour))
		if err != nil || len(booked) != 6 {
			t.Fatalf("%d bookings at La Filature (%v), want the demo's 6", len(booked), err)
		}
		statuses := map[booking.Status]int{}
		for _, b := range booked {
			statuses[b.Status]++
		}
		if statuses[booking.Pending] != 1 || statuses[booking.Confirmed] != 5 {
			t.Errorf("statuses: %v", statuses)
		}
		manager, err := acc.UserByEmail(ctx, "gestion@demo.coopconnect.fr")
		if err != nil {
			t.Fatal(err)
		}
		if mine, err := deps.Places.Editable(ctx, manager); err != nil || len(mine) == 0 {
			t.Errorf("the demo manager edits %d places (%v), want some", len(mine), err)
		}
		if err := Load(ctx, deps); !errors.Is(err, ErrLoaded) {
			t.Errorf("second load: %v, want ErrLoaded", err)
		}
		if _, err := acc.CreateUser(ctx, accounts.NewUser{Email: "vrai@example.fr", Name: "Vraie personne", Role: accounts.Member, Password: "mot-de-passe-solide"}); err != nil {
			t.Fatal(err)
		}
		if err := Load(ctx, deps); !errors.Is(err, ErrRealData) {
			t.Errorf("load beside real data: %v, want ErrRealData", err)
		}
	})
}

// demoDeps are the services the demo fills, over d.
func demoDeps(t *testing.T, d *db.DB) Deps {
	t.Helper()
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	communes, err := territory.Load()
	if err != nil {
		t.Fatal(err)
	}
	mailer := mail.NewMailer(d, jobs.New(d, nil), mail.SMTPConfig{}, nil)
	acc := &accounts.Service{DB: d, Hasher: accounts.NewHasher(2), Mailer: mailer, Catalogs: cat}
	pl := &places.Service{DB: d, Communes: communes}
	return Deps{Accounts: acc, Places: pl, Booking: &booking.Service{DB: d},
		Surveys: &survey.Service{DB: d, Territory: communes, Clock: d.Clock},
		Calls:   &ami.Service{DB: d, Territory: communes, Mailer: mailer, Catalogs: cat, Places: pl, BaseURL: "http://localhost:8080"}}
}

// demoSurvey returns the demo's campaign, as the coordinator sees it.
func demoSurvey(t *testing.T, deps Deps) (survey.Survey, accounts.User) {
	t.Helper()
	ctx := context.Background()
	coordinator, err := deps.Accounts.UserByEmail(ctx, "coordination@demo.coopconnect.fr")
	if err != nil {
		t.Fatal(err)
	}
	list, err := deps.Surveys.Visible(ctx, coordinator)
	if err != nil || len(list) != 1 {
		t.Fatalf("%d campaigns (%v), want the demo's one", len(list), err)
	}
	sv, err := deps.Surveys.Get(ctx, list[0].PublicID)
	if err != nil {
		t.Fatal(err)
	}
	return sv, coordinator
}

// demoCounts counts the rows the survey demo writes.
func demoCounts(t *testing.T, d *db.DB) map[string]int {
	t.Helper()
	out := map[string]int{}
	err := d.Read(context.Background(), func(tx *db.Tx) error {
		for _, table := range []string{"surveys", "survey_communes", "survey_versions", "survey_responses", "survey_keyings", "survey_contacts", "official_areas"} {
			var n int
			if err := tx.QueryRowContext(context.Background(), `SELECT count(*) FROM `+table).Scan(&n); err != nil {
				return err
			}
			out[table] = n
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestLoad_AFinishedNeedsSurveyWithItsAnswers(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		deps := demoDeps(t, d)
		if err := Load(ctx, deps); err != nil {
			t.Fatal(err)
		}
		s := deps.Surveys
		sv, coordinator := demoSurvey(t, deps)
		today := survey.Paris(d.Clock.Now())
		if st := sv.StateAt(today); st != survey.Closed {
			t.Errorf("the demo campaign is %s on %s, want closed", st, today)
		}
		if closes, _ := time.Parse(time.DateOnly, sv.ClosesOn); d.Clock.Now().Sub(closes) < 14*24*time.Hour {
			t.Errorf("the campaign closed on %s, want a few weeks before %s", sv.ClosesOn, today)
		}
		var epcis []string
		for _, a := range sv.Areas {
			if a.Kind == "epci" {
				epcis = append(epcis, a.Code)
			}
		}
		if !slices.Contains(epcis, demoSurveyEPCI) || len(epcis) != len(demoSurveyAreas(s.Territory)) || len(epcis) < 5 {
			t.Errorf("areas %v, want the EPCI of the demo places, %s among them", epcis, demoSurveyEPCI)
		}

		// The answers: online over the campaign's days, some through the
		// bulletins' links; on paper, numbered sheets.
		sources := map[string]int{}
		days := map[string]bool{}
		perCommune := map[string]int{}
		channels := 0
		err := s.EachResponse(ctx, sv, func(v survey.Version, r survey.Response) error {
			sources[r.Source]++
			perCommune[r.Commune]++
			if r.Commune == "" {
				return fmt.Errorf("answer %d has no commune", r.ID)
			}
			if r.Source == survey.SourceWeb {
				days[r.Day] = true
				if r.Day < sv.OpensOn || r.Day > sv.ClosesOn {
					return fmt.Errorf("web answer %d on %s, outside %s–%s", r.ID, r.Day, sv.OpensOn, sv.ClosesOn)
				}
				if r.Channel != "" {
					channels++
				}
			}
			if r.Source == survey.SourcePaper && (r.Sheet == "" || r.Channel != "") {
				return fmt.Errorf("paper answer %d: sheet %q, channel %q", r.ID, r.Sheet, r.Channel)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if sources[survey.SourceWeb] != demoWebAnswers || sources[survey.SourcePaper] != demoPaperSheets || len(sources) != 2 {
			t.Errorf("answers by source: %v, want %d online and %d on paper", sources, demoWebAnswers, demoPaperSheets)
		}
		if len(days) < 30 {
			t.Errorf("online answers on %d days, want them spread over the campaign", len(days))
		}
		if channels < demoWebAnswers/5 || channels > demoWebAnswers*4/5 {
			t.Errorf("%d online answers came through a bulletin's link, want a share", channels)
		}
		sheets, err := s.Sheets(ctx, coordinator, sv.PublicID)
		if err != nil || len(sheets) != demoPaperSheets {
			t.Fatalf("%d sheets (%v)", len(sheets), err)
		}
		states := map[survey.KeyingState]int{}
		for _, x := range sheets {
			states[x.State]++
		}
		if states[survey.SheetAgreed] != 2 || states[survey.SheetDiffers] != 1 {
			t.Errorf("keyings: %v, want 2 sheets keyed twice alike and 1 with a disagreement", states)
		}

		// Results are computed, for the whole and for the CC.
		all, err := s.Results(ctx, sv, "")
		if err != nil || all.Hidden || all.Responses != demoWebAnswers+demoPaperSheets {
			t.Fatalf("results of the whole campaign: %d answers, hidden %v (%v)", all.Responses, all.Hidden, err)
		}
		if all.Demand == nil || all.Demand.Hidden || all.Demand.Estimate <= 0 {
			t.Errorf("estimated demand: %+v", all.Demand)
		}
		cc, err := s.Results(ctx, sv, demoSurveyEPCI)
		if err != nil || cc.Hidden || cc.Responses < 150 {
			t.Fatalf("results of %s: %d answers, hidden %v (%v), want the bulk of the paper and a promoted share online", demoSurveyEPCI, cc.Responses, cc.Hidden, err)
		}
		shown := 0
		for _, q := range cc.Questions {
			for _, c := range q.Cells {
				if !c.Hidden {
					shown++
				}
			}
		}
		if shown < 50 {
			t.Errorf("%s: %d cells shown, want most", demoSurveyEPCI, shown)
		}

		// Small communes: hidden, in the breakdown and in their results.
		breakdown, err := s.Breakdown(ctx, sv)
		if err != nil {
			t.Fatal(err)
		}
		hiddenSmall := 0
		for _, b := range breakdown {
			n := perCommune[b.Code]
			if b.Kind != "commune" || n == 0 {
				continue
			}
			if n < survey.MinCell {
				if !b.Hidden || b.Responses != 0 {
					t.Errorf("%s (%s): %d answers shown as %d, hidden %v", b.Name, b.Code, n, b.Responses, b.Hidden)
				}
				r, err := s.Results(ctx, sv, b.Code)
				if err != nil || !r.Hidden || len(r.Questions) > 0 {
					t.Errorf("results of %s with %d answers: hidden %v, %d questions (%v)", b.Name, n, r.Hidden, len(r.Questions), err)
				}
				hiddenSmall++
			}
		}
		if hiddenSmall < 3 {
			t.Errorf("%d small communes with 1 to 4 answers, want some hidden", hiddenSmall)
		}

		// The official reads the CC; residents left addresses.
		official, err := deps.Accounts.UserByEmail(ctx, "elu@demo.coopconnect.fr")
		if err != nil {
			t.Fatal(err)
		}
		codes, whole, err := s.Readable(ctx, official, sv)
		if err != nil || whole || !slices.Contains(codes, demoSurveyEPCI) || !slices.Contains(codes, "04088") {
			t.Errorf("the official reads %v (all: %v, %v), want %s and its communes", codes, whole, err, demoSurveyEPCI)
		}
		counts := demoCounts(t, d)
		if counts["survey_contacts"] != demoContacts || counts["survey_responses"] != demoWebAnswers+demoPaperSheets || counts["survey_keyings"] != 3 {
			t.Errorf("rows: %v", counts)
		}

		// Loading again changes nothing.
		if err := Load(ctx, deps); !errors.Is(err, ErrLoaded) {
			t.Errorf("second load: %v, want ErrLoaded", err)
		}
		if again := demoCounts(t, d); fmt.Sprint(again) != fmt.Sprint(counts) {
			t.Errorf("a second load changed the rows: %v, then %v", counts, again)
		}
	})
}

func TestLoad_TheSameSurveyAnswersOnEveryLoad(t *testing.T) {
	clock := coop.NewFixedClock(time.Date(2026, 11, 17, 9, 0, 0, 0, i18n.Paris))
	load := func() []string {
		d := testkit.NewDB(t, db.SQLite, clock)
		deps := demoDeps(t, d)
		if err := Load(context.Background(), deps); err != nil {
			t.Fatal(err)
		}
		sv, _ := demoSurvey(t, deps)
		var out []string
		err := deps.Surveys.EachResponse(context.Background(), sv, func(v survey.Version, r survey.Response) error {
			text, err := json.Marshal(r.Answers)
			out = append(out, fmt.Sprint(r.Day, r.Source, r.Channel, r.Commune, r.Sheet, string(text)))
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	first, second := load(), load()
	if len(first) != demoWebAnswers+demoPaperSheets {
		t.Fatalf("%d answers", len(first))
	}
	for i := range first {
		if i >= len(second) || first[i] != second[i] {
			t.Fatalf("answer %d differs between two loads:\n%s\n%s", i, first[i], second[min(i, len(second)-1)])
		}
	}
	if distinct := len(slices.Compact(slices.Sorted(slices.Values(first)))); distinct < len(first)*9/10 {
		t.Errorf("%d distinct answers out of %d, want varied answers", distinct, len(first))
	}
}

func TestLoad_ACallWithFifteenApplicationsAndTheOfficialsReport(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		deps := demoDeps(t, d)
		if err := Load(ctx, deps); err != nil {
			t.Fatal(err)
		}
		calls := deps.Calls
		coordinator, err := deps.Accounts.UserByEmail(ctx, "coordination@demo.coopconnect.fr")
		if err != nil {
			t.Fatal(err)
		}
		list, err := calls.Calls(ctx)
		if err != nil || len(list) != 1 || list[0].Title != "Tiers-lieux de Provence-Alpes-Côte d'Azur 2026" {
			t.Fatalf("calls %+v (%v)", list, err)
		}
		if got := strings.Join(list[0].Areas, " "); got != "04 05 06 13 83 84" {
			t.Errorf("the call's areas: %s", got)
		}
		apps, err := calls.Applications(ctx, coordinator, list[0].PublicID)
		if err != nil || len(apps) != 15 {
			t.Fatalf("%d applications (%v), want 15", len(apps), err)
		}
		states := map[ami.State]int{}
		urban, lure, visits, interviews, backdated := 0, 0, 0, 0, 0
		now := d.Clock.Now()
		for _, a := range apps {
			states[a.State]++
			c, ok := calls.Territory.Commune(a.Commune)
			if !ok || c.Region != "93" {
				t.Errorf("%s: commune %q is not in Provence-Alpes-Côte d'Azur", a.Structure, a.Commune)
			}
			if c.Density >= 1 && c.Density <= 4 {
				urban++
			}
			if c.EPCI == demoSurveyEPCI {
				lure++
			}
			if now.Sub(a.CreatedAt) > 7*24*time.Hour {
				backdated++
			}
			events, err := calls.Events(ctx, a.ID, true)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range events {
				switch e.Kind {
				case "visit":
					visits++
				case "interview":
					interviews++
				}
				team := e.Kind == "note" || e.Kind == "question" || e.Kind == "interview" || e.Kind == "visit"
				if (e.ByUser != 0 || team) && (e.ByUser != coordinator.ID || e.ByName != "Camille Roux") {
					t.Errorf("%s: event %s by %q, want the team", a.Structure, e.Kind, e.ByName)
				}
			}
		}
		for _, st := range ami.States {
			if states[st] == 0 {
				t.Errorf("no application %s: %v", st, states)
			}
		}
		if urban < 6 || urban > 9 {
			t.Errorf("%d urban applications of 15, want about half", urban)
		}
		if lure < 2 || visits != 4 || interviews < 4 || backdated != 15 {
			t.Errorf("%d from the CC Pays Forcalquier, %d visits, %d interviews, %d with a history in the past", lure, visits, interviews, backdated)
		}

		// The official's report on their EPCI.
		official, err := deps.Accounts.UserByEmail(ctx, "elu@demo.coopconnect.fr")
		if err != nil {
			t.Fatal(err)
		}
		if ok, err := calls.MayReadReport(ctx, deps.Surveys, official, demoSurveyEPCI); !ok || err != nil {
			t.Fatalf("the demo official does not read the report of %s (%v)", demoSurveyEPCI, err)
		}
		r, err := calls.BuildReport(ctx, deps.Surveys, demoSurveyEPCI, now)
		if err != nil {
			t.Fatal(err)
		}
		plans := 0
		for _, a := range r.Applications {
			if a.Diagnostic == nil {
				t.Errorf("%s has no diagnostic", a.Structure)
			}
			if len(a.Actions) > 0 {
				plans++
			}
		}
		if r.Survey == nil || r.Survey.Results.Hidden || len(r.Places) == 0 || len(r.Applications) != 2 || plans != 2 {
			t.Errorf("the report of %s: survey %v, %d places, %d applications, %d plans", demoSurveyEPCI, r.Survey != nil, len(r.Places), len(r.Applications), plans)
		}
		open := 0
		for _, p := range r.Places {
			if p.Activity != nil && p.Activity.Bookings > 0 {
				open++
			}
		}
		if open == 0 {
			t.Error("no activity in the demo places of the EPCI over the last 90 days")
		}
	})
}
