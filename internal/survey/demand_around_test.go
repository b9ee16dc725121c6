package survey_test

import (
	"math"
	"slices"
	"testing"

	"coopconnect/internal/db"
	"coopconnect/internal/testkit"
)

func TestDemandAround_MedianTravelTimeAndHiddenCells(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		// No campaign covers Gap: nothing to say.
		if a, err := f.svc.DemandAround(ctx, "05061", 0); err != nil || a != nil {
			t.Fatalf("uncovered commune: %+v, %v", a, err)
		}
		// Three answers: the demand rests on too few to be published.
		for range 3 {
			form := answer("Forcalquier", "employee", "regular", 10)
			form["q.travel_time"] = []string{"up_to_20"}
			f.submit(t, form)
		}
		a, err := f.svc.DemandAround(ctx, "04088", 0)
		if err != nil || a == nil {
			t.Fatalf("around: %+v, %v", a, err)
		}
		if !a.Hidden || a.Estimate != 0 || a.Responses != 0 || a.HiddenCommunes == 0 {
			t.Errorf("three answers shown: %+v", a)
		}
		if a.Source != "default" || a.Minutes != 15 {
			t.Errorf("travel time from hidden cells: %d (%s)", a.Minutes, a.Source)
		}
		// Twenty-three answers: 13 would come regularly; most accept 20 min.
		for i := range 20 {
			use, travel := "regular", "up_to_20"
			if i >= 10 {
				use = "occasional"
			}
			if i%4 == 0 {
				travel = "up_to_10"
			}
			form := answer("Forcalquier", "self_employed", use, 5)
			form["q.travel_time"] = []string{travel}
			f.submit(t, form)
		}
		a, err = f.svc.DemandAround(ctx, "04088", 0)
		if err != nil {
			t.Fatal(err)
		}
		if a.Hidden || a.Source != "answers" || a.Minutes != 20 || math.Abs(a.RadiusKm-16) > 1e-9 {
			t.Fatalf("around: %+v", a)
		}
		if !slices.Contains(a.Communes, "04088") || !slices.Contains(a.Communes, "04106") || slices.Contains(a.Communes, "04111") {
			t.Errorf("communes within 16 km, of the campaign only: %v", a.Communes)
		}
		sum, _ := f.svc.Territory.Sum(a.Communes...)
		if a.Active != sum.ActivePopulation || a.Responses != 23 {
			t.Errorf("active %d want %d, responses %d", a.Active, sum.ActivePopulation, a.Responses)
		}
		if want := int(math.Round(13.0 / 23 * float64(a.Active))); a.Estimate != want || a.EstimateLow >= a.Estimate || a.EstimateHigh <= a.Estimate {
			t.Errorf("estimate %d [%d, %d], want %d", a.Estimate, a.EstimateLow, a.EstimateHigh, want)
		}
		// A travel time asked for narrows the circle.
		b, err := f.svc.DemandAround(ctx, "04088", 5)
		if err != nil || b.Source != "asked" || len(b.Communes) >= len(a.Communes) || b.Estimate >= a.Estimate {
			t.Errorf("5 minutes: %+v, %v", b, err)
		}
	})
}
