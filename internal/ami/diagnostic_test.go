package ami_test

import (
	"context"
	"slices"
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
	d, err := f.svc.Diagnose(ctx, kind, id, demand)
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
		if _, err := f.svc.Diagnose(ctx, ami.SubjectPlace, 999999, nil); coop.ErrorCode(err) != coop.ENotFound {
			t.Errorf("unknown place: %v", err)
		}
		if _, err := f.svc.Diagnose(ctx, "carrier", fast.ID, nil); coop.ErrorCode(err) != coop.ENotFound {
			t.Errorf("unknown subject kind: %v", err)
		}
	})
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
