package ami_test

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"testing"

	"coopconnect/internal/ami"
	"coopconnect/internal/coop"
	"coopconnect/internal/db"
	"coopconnect/internal/places"
	"coopconnect/internal/survey"
	"coopconnect/internal/testkit"
)

// diagDemand is a demand source that answers the same for every commune.
type diagDemand struct{ around *survey.Around }

func (d diagDemand) DemandAround(context.Context, string, int) (*survey.Around, error) {
	return d.around, nil
}

func diagComponent(t *testing.T, d ami.Diagnostic, code string) ami.Component {
	t.Helper()
	for _, c := range d.Components {
		if c.Code == code {
			if c.Method == "" || len(c.Inputs) == 0 || c.Label == "" {
				t.Errorf("component %s does not explain itself: %+v", code, c)
			}
			return c
		}
	}
	t.Fatalf("no component %s in %+v", code, d.Components)
	return ami.Component{}
}

func diagSuggested(d ami.Diagnostic, code string) bool {
	return slices.ContainsFunc(d.Suggestions, func(s ami.Suggestion) bool { return s.Code == code && s.Title != "" && s.Because != "" })
}

func (f *fixture) diagnose(t *testing.T, kind string, id int64, demand ami.DemandSource) ami.Diagnostic {
	t.Helper()
	d, err := f.svc.Diagnose(ctx, "fr", kind, id, demand)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestDiagnose_SupplyMovesWithTheConnection(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		fibre := f.diagApply(t, "Mairie de Lurs", "commune", "Lurs", completeForm())
		adsl := f.diagApply(t, "Mairie de Sigonce", "commune", "Sigonce", completeForm())
		if err := f.svc.RecordVisit(ctx, f.coord, fibre.PublicID, "2026-03-12", diagVisit(300, 300), ""); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.RecordVisit(ctx, f.coord, adsl.PublicID, "2026-03-12", diagVisit(4, 0.8), ""); err != nil {
			t.Fatal(err)
		}
		df, da := f.diagnose(t, ami.SubjectApplication, fibre.ID, nil), f.diagnose(t, ami.SubjectApplication, adsl.ID, nil)
		sf, sa := diagComponent(t, df, "supply"), diagComponent(t, da, "supply")
		if sf.Computed-sa.Computed != 27 { // 25 + 5 against 3 + 0
			t.Errorf("supply: fibre %d, ADSL %d", sf.Computed, sa.Computed)
		}
		if !slices.Contains(sa.Inputs, ami.Input{Label: "Débit descendant", Value: "4\u00a0Mbit/s"}) {
			t.Errorf("ADSL inputs %+v", sa.Inputs)
		}
		if !diagSuggested(da, "improve_connection") || diagSuggested(df, "improve_connection") {
			t.Errorf("suggestions: ADSL %+v, fibre %+v", da.Suggestions, df.Suggestions)
		}
		if df.Score <= da.Score {
			t.Errorf("overall: fibre %d, ADSL %d", df.Score, da.Score)
		}
		// Without a visit, the answers count: fibre declared, not measured.
		bare := f.diagApply(t, "Mairie de Cruis", "commune", "Cruis", completeForm())
		sb := diagComponent(t, f.diagnose(t, ami.SubjectApplication, bare.ID, nil), "supply")
		if !slices.Contains(sb.Inputs, ami.Input{Label: "Connexion", Value: "fibre"}) || sb.Computed >= sf.Computed {
			t.Errorf("from answers: %+v", sb)
		}
	})
}

func TestDiagnose_ComponentsFollowTheirInputs(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		form := completeForm()
		form["q.officials"] = []string{"not_yet"}
		form["q.carrier"] = []string{"La commune seule"}
		weak := f.diagApply(t, "Particulier à Lurs", "individual", "Lurs", form)
		strong := f.diagApply(t, "Mairie de Lurs", "commune", "Lurs", completeForm())

		// Demand: no survey, too few answers, an estimate.
		dw := f.diagnose(t, ami.SubjectApplication, weak.ID, nil)
		if c := diagComponent(t, dw, "demand"); c.Computed != 10 || !diagSuggested(dw, "run_survey") {
			t.Errorf("no survey: %d %+v", c.Computed, dw.Suggestions)
		}
		hidden := diagDemand{&survey.Around{SurveyTitle: "Besoins", Minutes: 15, Source: "default", RadiusKm: 12, Communes: []string{"04106"}, Active: 165, Hidden: true}}
		if c := diagComponent(t, f.diagnose(t, ami.SubjectApplication, weak.ID, hidden), "demand"); c.Computed != 30 {
			t.Errorf("hidden demand: %d", c.Computed)
		}
		some := func(estimate int) diagDemand {
			return diagDemand{&survey.Around{SurveyTitle: "Besoins", Minutes: 20, Source: "answers", RadiusKm: 16, Communes: []string{"04106", "04088"},
				Active: 2000, Share: 0.1, Low: 0.05, High: 0.2, Estimate: estimate, EstimateLow: estimate / 2, EstimateHigh: estimate * 2}}
		}
		d10 := f.diagnose(t, ami.SubjectApplication, weak.ID, some(10))
		d40 := f.diagnose(t, ami.SubjectApplication, weak.ID, some(80))
		if a, b := diagComponent(t, d10, "demand").Computed, diagComponent(t, d40, "demand").Computed; a != 25 || b != 100 {
			t.Errorf("demand for 10 and 80 regular users: %d, %d", a, b)
		}
		if diagSuggested(d10, "run_survey") {
			t.Errorf("a survey was suggested while one covers the commune")
		}

		// Governance: carrier, officials, partners.
		ds := f.diagnose(t, ami.SubjectApplication, strong.ID, nil)
		gw, gs := diagComponent(t, dw, "governance"), diagComponent(t, ds, "governance")
		if gw.Computed != 10 || gs.Computed != 100 { // individual, not yet, none; commune, deliberation, an association
			t.Errorf("governance: weak %d, strong %d", gw.Computed, gs.Computed)
		}
		if !diagSuggested(dw, "brief_officials") || diagSuggested(ds, "brief_officials") || !diagSuggested(dw, "find_partners") || diagSuggested(ds, "find_partners") {
			t.Errorf("suggestions: weak %+v, strong %+v", dw.Suggestions, ds.Suggestions)
		}

		// Room, equipment and audiences.
		v := diagVisit(300, 300)
		v.Copier, v.Identity, v.Accessible = false, "", "partly"
		v.Audiences, v.Separation = []string{"professionals"}, ""
		if err := f.svc.RecordVisit(ctx, f.coord, weak.PublicID, "2026-03-12", v, ""); err != nil {
			t.Fatal(err)
		}
		dv := f.diagnose(t, ami.SubjectApplication, weak.ID, nil)
		if !diagSuggested(dv, "improve_room") || !diagSuggested(dv, "improve_equipment") || diagSuggested(dv, "separate_audiences") {
			t.Errorf("after the visit: %+v", dv.Suggestions)
		}
		mixed := f.diagApply(t, "Association de Lurs", "association", "Lurs", func() map[string][]string {
			m := completeForm()
			m["q.publics"] = []string{"professionals", "e_inclusion"}
			return m
		}())
		if dm := f.diagnose(t, ami.SubjectApplication, mixed.ID, nil); !diagSuggested(dm, "separate_audiences") {
			t.Errorf("mixed audiences without separation: %+v", dm.Suggestions)
		}

		// Neighbourhood: Lurs is rural; a place 0 km away costs 30 points.
		before := diagComponent(t, dw, "neighbourhood")
		f.diagPlace(t, "Tiers-lieu de Lurs", "04106", places.PlaceInput{})
		after := diagComponent(t, f.diagnose(t, ami.SubjectApplication, weak.ID, nil), "neighbourhood")
		if before.Computed != 100 || after.Computed != 70 {
			t.Errorf("neighbourhood: %d then %d (%+v)", before.Computed, after.Computed, after.Inputs)
		}
	})
}

func TestDiagnose_APlaceFromItsOwnFields(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		fast := f.diagPlace(t, "La Fabrique", "04088", places.PlaceInput{ConnectionKind: "fibre", DownMbps: "300", UpMbps: "300",
			Equipment: []string{"printer_scanner", "step_free", "accessible_toilets"}, Identity: "Une ancienne filature", OpeningHours: "Mo-Fr 09:00-18:00", Audience: "professionals"})
		slow := f.diagPlace(t, "Le Relais", "05061", places.PlaceInput{ConnectionKind: "adsl", DownMbps: "4", UpMbps: "0,8"})
		df, ds := f.diagnose(t, ami.SubjectPlace, fast.ID, nil), f.diagnose(t, ami.SubjectPlace, slow.ID, nil)
		if a, b := diagComponent(t, df, "supply").Computed, diagComponent(t, ds, "supply").Computed; a <= b+40 {
			t.Errorf("places' supply: %d and %d", a, b)
		}
		if !diagSuggested(ds, "improve_connection") || !diagSuggested(ds, "separate_audiences") || diagSuggested(df, "separate_audiences") {
			t.Errorf("suggestions: %+v / %+v", ds.Suggestions, df.Suggestions)
		}
		// The place itself is not its own neighbour.
		if n := diagComponent(t, df, "neighbourhood"); n.Computed != 100 {
			t.Errorf("neighbourhood of a lone place: %+v", n)
		}
		if _, err := f.svc.Diagnose(ctx, "fr", ami.SubjectPlace, 999999, nil); coop.ErrorCode(err) != coop.ENotFound {
			t.Errorf("unknown place: %v", err)
		}
		if _, err := f.svc.Diagnose(ctx, "fr", "carrier", fast.ID, nil); coop.ErrorCode(err) != coop.ENotFound {
			t.Errorf("unknown subject kind: %v", err)
		}
	})
}

// frenchWords finds French in a text: its accents, its no-break space
// before a colon or a semicolon, its small words.
var frenchWords = regexp.MustCompile(`[àâçéèêëîïôûùœ«»]|\x{00a0}[:;]|\b(de|du|des|la|le|les|une|et|ou|sans|non|oui|aucun|aucune)\b`)

func TestDiagnose_InTheReadersLanguage(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		app := f.diagApply(t, "Mairie de Lurs", "commune", "Lurs", completeForm())
		v := diagVisit(4, 0.8)
		v.Identity, v.Accessible = "", "partly"
		if err := f.svc.RecordVisit(ctx, f.coord, app.PublicID, "2026-03-12", v, ""); err != nil {
			t.Fatal(err)
		}
		place := f.diagPlace(t, "La Fabrique", "04088", places.PlaceInput{ConnectionKind: "adsl", Identity: "Une ancienne filature"})
		// What people typed, shown as typed in every language.
		typed := []string{"Besoins de Lurs", "Lurs", "Forcalquier", "Une ancienne filature", v.Room, v.Hours, "Mairie de Lurs"}
		withSurvey := diagDemand{&survey.Around{SurveyTitle: "Besoins de Lurs", Minutes: 20, Source: "answers", RadiusKm: 16, Communes: []string{"04106", "04088"},
			Active: 2000, Responses: 1200, Share: 0.1, Low: 0.05, High: 0.2, Estimate: 20, EstimateLow: 10, EstimateHigh: 40}}
		hidden := diagDemand{&survey.Around{SurveyTitle: "Besoins de Lurs", Minutes: 15, Source: "default", RadiusKm: 12, Communes: []string{"04106"}, Active: 165, Hidden: true}}
		for _, subj := range []struct {
			name string
			kind string
			id   int64
		}{{"application", ami.SubjectApplication, app.ID}, {"place", ami.SubjectPlace, place.ID}} {
			for demandName, demand := range map[string]ami.DemandSource{"no survey": nil, "survey": withSurvey, "hidden": hidden} {
				en, err := f.svc.Diagnose(ctx, "en", subj.kind, subj.id, demand)
				if err != nil {
					t.Fatal(err)
				}
				fr := f.diagnose(t, subj.kind, subj.id, demand)
				if other, err := f.svc.Diagnose(ctx, "xx", subj.kind, subj.id, demand); err != nil || !diagEqual(other, fr) {
					t.Errorf("%s, %s: an unknown language is not French: %+v", subj.name, demandName, other)
				}
				if en.Score != fr.Score || len(en.Components) != len(fr.Components) || len(en.Suggestions) != len(fr.Suggestions) {
					t.Fatalf("%s, %s: the language changes the diagnostic: %+v / %+v", subj.name, demandName, en, fr)
				}
				french := func(what, text string) {
					if m := frenchWords.FindString(text); m != "" {
						t.Errorf("%s, %s: %s in French (%q): %q", subj.name, demandName, what, m, text)
					}
				}
				for i, c := range en.Components {
					if c.Computed != fr.Components[i].Computed || c.Label == fr.Components[i].Label || c.Method == fr.Components[i].Method {
						t.Errorf("%s, %s: component %s not translated: %+v", subj.name, demandName, c.Code, c)
					}
					french(c.Code+" label", c.Label)
					french(c.Code+" method", c.Method)
					for _, in := range c.Inputs {
						french(c.Code+" input", in.Label)
						if !slices.Contains(typed, in.Value) {
							french(c.Code+" input "+in.Label, in.Value)
						}
					}
				}
				for i, s := range en.Suggestions {
					if s.Code != fr.Suggestions[i].Code {
						t.Errorf("%s, %s: suggestions %+v / %+v", subj.name, demandName, en.Suggestions, fr.Suggestions)
					}
					french(s.Code+" title", s.Title)
					french(s.Code+" reason", s.Because)
				}
			}
		}
		// The words, in each language, for the application with a survey.
		en, err := f.svc.Diagnose(ctx, "en", ami.SubjectApplication, app.ID, withSurvey)
		if err != nil {
			t.Fatal(err)
		}
		fr := f.diagnose(t, ami.SubjectApplication, app.ID, withSurvey)
		for _, tc := range []struct {
			d         ami.Diagnostic
			component string
			want      ami.Input
		}{
			{en, "demand", ami.Input{Label: "Needs survey", Value: "Besoins de Lurs"}},
			{en, "demand", ami.Input{Label: "Share of regular users", Value: "10% (from 5% to 20%)"}},
			{en, "demand", ami.Input{Label: "Working-age population (15–64) within reach", Value: "2,000"}},
			{en, "supply", ami.Input{Label: "Sources", Value: "answers in the file, visit on Thursday 12 March 2026"}},
			{en, "supply", ami.Input{Label: "Download speed", Value: "4\u00a0Mbit/s"}},
			{en, "supply", ami.Input{Label: "Upload speed", Value: "0.8\u00a0Mbit/s"}},
			{en, "supply", ami.Input{Label: "Room", Value: v.Room}},
			{en, "supply", ami.Input{Label: "Accessibility", Value: "partly"}},
			{en, "governance", ami.Input{Label: "Elected officials' support", Value: "yes, by a council resolution"}},
			{en, "neighbourhood", ami.Input{Label: "INSEE density grid", Value: "level 7, rural area"}},
			{fr, "demand", ami.Input{Label: "Part d'usagers réguliers", Value: "10 % (de 5 % à 20 %)"}},
			{fr, "demand", ami.Input{Label: "Population active (15–64 ans) à portée", Value: "2\u202f000"}},
			{fr, "supply", ami.Input{Label: "Sources", Value: "réponses au dossier, visite du jeudi 12 mars 2026"}},
			{fr, "supply", ami.Input{Label: "Débit montant", Value: "0,8\u00a0Mbit/s"}},
			{fr, "supply", ami.Input{Label: "Accessibilité", Value: "en partie"}},
			{fr, "governance", ami.Input{Label: "Soutien des élus", Value: "oui, par une délibération"}},
			{fr, "neighbourhood", ami.Input{Label: "Grille de densité INSEE", Value: "niveau 7, zone rurale"}},
		} {
			if c := diagComponent(t, tc.d, tc.component); !slices.Contains(c.Inputs, tc.want) {
				t.Errorf("%s lacks %+v: %+v", tc.component, tc.want, c.Inputs)
			}
		}
		if m := diagComponent(t, en, "demand").Method; !strings.HasSuffix(m, "Score = estimated users ÷ 40 × 100, capped at 100.") {
			t.Errorf("English demand method %q", m)
		}
		// The French texts, as they were before they moved to the catalogs.
		for code, want := range map[string]string{
			"demand": "Temps de trajet\u00a0: médiane des réponses «\u00a0temps accepté\u00a0» (15 min à défaut), converti en distance à 60 km/h × 0,8 (détours). " +
				"Part des répondants de toute l'enquête qui viendraient au moins un jour par semaine, appliquée à la population active des communes à portée. " +
				"Score = usagers estimés ÷ 40 × 100, plafonné à 100.",
			"supply": "Connexion 3/30 (débit descendant ≥ 100 Mbit/s\u00a0: 25, ≥ 30\u00a0: 18, ≥ 8\u00a0: 8, au-delà de 0\u00a0: 3\u00a0; montant ≥ 20\u00a0: +5, ≥ 5\u00a0: +3, ≥ 1\u00a0: +1\u00a0; " +
				"sans mesure, selon le type\u00a0: fibre 20, VDSL 12, 4G/5G 8, ADSL 5) + équipement 15/15 (photocopieur ou scanner 10, autre équipement ou bonne réception mobile 5) " +
				"+ salle et identité 7/15 (salle décrite 5, identité 5, accessible 5 ou en partie 2) + horaires 15/15 + animation 19/25 " +
				"(temps plein 15, temps partiel ou équipe d'accueil 12, bénévoles 6\u00a0; chaque compétence sur trois\u00a0: +3,3).",
			"governance": "Porteur 40/40 (EPCI ou commune 40, partenariat public-privé 35, association 25, entreprise 20, personne physique 10) " +
				"+ soutien des élus 40/40 (délibération 40, courrier 30, oral 15, pas encore 0) " +
				"+ partenaires 20/20 (nommés dans la réponse «\u00a0porteur\u00a0» du dossier, ou action «\u00a0trouver des partenaires\u00a0» terminée).",
			"neighbourhood": "100 sans autre lieu à moins de 15 km\u00a0; chaque lieu voisin retire 30 points en zone rurale (niveaux 5 à 7, " +
				"où un second lieu partage une demande rare) ou 15 en zone urbaine\u00a0; plancher 10.",
		} {
			if got := diagComponent(t, fr, code).Method; got != want {
				t.Errorf("French %s method\n got %q\nwant %q", code, got, want)
			}
		}
		wantBecause := map[string]string{
			"improve_connection": "Débit descendant mesuré\u00a0: 4\u00a0Mbit/s, sous les 30 Mbit/s du très haut débit (fibre).",
			"improve_room":       "La salle n'a pas d'identité notée et n'est pas entièrement accessible.",
		}
		for _, s := range fr.Suggestions {
			if want, ok := wantBecause[s.Code]; ok && s.Because != want {
				t.Errorf("French reason for %s: %q, want %q", s.Code, s.Because, want)
			}
			delete(wantBecause, s.Code)
		}
		if len(wantBecause) > 0 {
			t.Errorf("French suggestions %+v lack %v", fr.Suggestions, wantBecause)
		}
	})
}

// diagEqual compares two diagnostics' texts and scores.
func diagEqual(a, b ami.Diagnostic) bool {
	return a.Score == b.Score && slices.EqualFunc(a.Components, b.Components, func(x, y ami.Component) bool {
		return x.Code == y.Code && x.Label == y.Label && x.Score == y.Score && x.Computed == y.Computed && x.Method == y.Method && slices.Equal(x.Inputs, y.Inputs)
	}) && slices.Equal(a.Suggestions, b.Suggestions)
}

func TestAdjust_OverridesWithAReasonOnly(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		a := f.diagApply(t, "Mairie de Lurs", "commune", "Lurs", completeForm())
		before := f.diagnose(t, ami.SubjectApplication, a.ID, nil)
		if err := f.svc.Adjust(ctx, f.coord, ami.SubjectApplication, a.ID, "demand", 80, "  "); coop.AsError(err) == nil ||
			coop.AsError(err).Fields["reason"] != "ami.diag.reason_required" {
			t.Errorf("without a reason: %v", err)
		}
		if err := f.svc.Adjust(ctx, f.coord, ami.SubjectApplication, a.ID, "charm", 120, "x"); coop.AsError(err) == nil ||
			coop.AsError(err).Fields["score"] == "" || coop.AsError(err).Fields["component"] == "" {
			t.Errorf("bad component and score: %v", err)
		}
		if err := f.svc.Adjust(ctx, f.member, ami.SubjectApplication, a.ID, "demand", 80, "x"); coop.ErrorCode(err) != coop.ENotFound {
			t.Errorf("a member adjusts: %v", err)
		}
		if err := f.svc.Adjust(ctx, f.coord, ami.SubjectApplication, 999999, "demand", 80, "x"); coop.ErrorCode(err) != coop.ENotFound {
			t.Errorf("an unknown application: %v", err)
		}
		if c := diagComponent(t, f.diagnose(t, ami.SubjectApplication, a.ID, nil), "demand"); c.Adjusted || c.Score != c.Computed {
			t.Fatalf("a refused adjustment counts: %+v", c)
		}
		reason := "Le maire a fait circuler un questionnaire papier : 25 personnes intéressées."
		if err := f.svc.Adjust(ctx, f.coord, ami.SubjectApplication, a.ID, "demand", 70, reason); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.Adjust(ctx, f.coord, ami.SubjectApplication, a.ID, "demand", 80, reason); err != nil { // changed again
			t.Fatal(err)
		}
		after := f.diagnose(t, ami.SubjectApplication, a.ID, nil)
		c := diagComponent(t, after, "demand")
		if !c.Adjusted || c.Score != 80 || c.Computed != 10 || c.Reason != reason {
			t.Errorf("adjusted demand %+v", c)
		}
		if want := before.Score + (80-10)*30/100; after.Score < want-1 || after.Score > want+1 {
			t.Errorf("overall %d → %d, want about %d", before.Score, after.Score, want)
		}
		if err := f.svc.ClearAdjustment(ctx, f.coord, ami.SubjectApplication, a.ID, "demand"); err != nil {
			t.Fatal(err)
		}
		if c := diagComponent(t, f.diagnose(t, ami.SubjectApplication, a.ID, nil), "demand"); c.Adjusted || c.Score != 10 {
			t.Errorf("after clearing: %+v", c)
		}
	})
}
