package ami_test

import (
	"strconv"
	"testing"

	"coopconnect/internal/ami"
	"coopconnect/internal/coop"
	"coopconnect/internal/db"
	"coopconnect/internal/places"
	"coopconnect/internal/testkit"
)

// apply starts an application in a commune and saves its answers.
func (f *fixture) diagApply(t *testing.T, structure, kind, commune string, form map[string][]string) ami.Application {
	t.Helper()
	a, secret, err := f.svc.Start(ctx, f.call.PublicID, ami.StartInput{Structure: structure, CarrierKind: kind, Commune: commune,
		ContactName: "Jeanne Roux", ContactEmail: "jeanne@example.fr"}, today)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		if _, err := f.svc.SaveDraft(ctx, secret, form); err != nil {
			t.Fatal(err)
		}
	}
	return a
}

func diagMbps(v float64) *float64 { return &v }

// goodVisit is a complete checklist.
func diagVisit(down, up float64) ami.Checklist {
	return ami.Checklist{DownMbps: diagMbps(down), UpMbps: diagMbps(up), Copier: true, Reception: map[string]string{"orange": "good", "free": "weak"},
		Room: "Deux salles au rez-de-chaussée de l'ancienne école", Identity: "L'école, au cœur du village", Accessible: "yes",
		Hours: "Mardi et jeudi, 9 h – 17 h", Skills: []string{"welcome", "digital"}, Audiences: []string{"professionals", "seniors"},
		Separation: "Les seniors le mardi matin, les professionnels le reste de la semaine."}
}

func TestRecordVisit_ValidatesAndKeepsTheLatest(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		a := f.diagApply(t, "Mairie de Lurs", "commune", "Lurs", nil)
		if c, day, err := f.svc.LastVisit(ctx, a.ID); err != nil || c != nil || day != "" {
			t.Fatalf("no visit yet: %+v %q %v", c, day, err)
		}
		// The form's numbers, written the French way, or not numbers.
		c, p := ami.ChecklistForm(map[string][]string{"down_mbps": {"12,5"}, "up_mbps": {"vite"}, "copier": {"1"}, "reception_sfr": {"good"},
			"skills": {"welcome"}, "room": {" Salle "}})
		if c.DownMbps == nil || *c.DownMbps != 12.5 || c.UpMbps != nil || p["up_mbps"] != "error.number" || !c.Copier ||
			c.Reception["sfr"] != "good" || c.Room != "Salle" {
			t.Errorf("form read as %+v, %v", c, p)
		}
		// A bad checklist: each problem on its field, nothing stored.
		bad := ami.Checklist{UpMbps: diagMbps(-1), Accessible: "maybe", Reception: map[string]string{"orange": "excellent"},
			Skills: []string{"juggling"}, Audiences: []string{"professionals", "e_inclusion"}}
		err := f.svc.RecordVisit(ctx, f.coord, a.PublicID, "demain", bad, "")
		e := coop.AsError(err)
		if e == nil || e.Code != coop.EInvalid {
			t.Fatalf("bad visit: %v", err)
		}
		for field, key := range map[string]string{"down_mbps": "ami.visit.speed_required", "up_mbps": "error.out_of_range", "accessible": "error.choose_in_list",
			"reception_orange": "error.choose_in_list", "skills": "error.choose_in_list", "separation": "ami.visit.separation_required",
			"day": "error.date_invalid", "room": "error.required"} {
			if e.Fields[field] != key {
				t.Errorf("field %s: %q, want %q", field, e.Fields[field], key)
			}
		}
		// Only the instruction team records visits.
		if err := f.svc.RecordVisit(ctx, f.member, a.PublicID, "2026-03-12", diagVisit(300, 300), ""); coop.ErrorCode(err) != coop.ENotFound {
			t.Errorf("a member records a visit: %v", err)
		}
		if c, _, _ := f.svc.LastVisit(ctx, a.ID); c != nil {
			t.Fatalf("a refused visit was stored: %+v", c)
		}
		// Two visits, the later day recorded first: the latest day counts.
		if err := f.svc.RecordVisit(ctx, f.coord, a.PublicID, "2026-03-12", diagVisit(300, 300), "Très bon accueil."); err != nil {
			t.Fatal(err)
		}
		early := diagVisit(4, 0.8)
		early.Reception = nil
		if err := f.svc.RecordVisit(ctx, f.coord, a.PublicID, "2026-03-05", early, ""); err != nil {
			t.Fatal(err)
		}
		c2, day, err := f.svc.LastVisit(ctx, a.ID)
		if err != nil || c2 == nil || day != "2026-03-12" || *c2.DownMbps != 300 || c2.Reception["orange"] != "good" || c2.Separation == "" {
			t.Fatalf("last visit %+v on %q: %v", c2, day, err)
		}
		// Visits are the team's: the candidate does not see them.
		public, _ := f.svc.Events(ctx, a.ID, false)
		private, _ := f.svc.Events(ctx, a.ID, true)
		visits := 0
		for _, ev := range private {
			if ev.Kind == "visit" {
				visits++
				if ev.ByName != f.coord.Name || ev.OnDay == "" {
					t.Errorf("visit event %+v", ev)
				}
			}
		}
		if visits != 2 || len(public) != len(private)-2 {
			t.Errorf("%d visits; %d public events of %d", visits, len(public), len(private))
		}
	})
}

// placeIn creates a place of the network in a commune.
func (f *fixture) diagPlace(t *testing.T, name, commune string, in places.PlaceInput) places.Place {
	t.Helper()
	c, err := f.svc.Places.CreateCarrier(ctx, f.coord, places.CarrierInput{Name: "Porteur de " + name, Kind: "individual"})
	if err != nil {
		t.Fatal(err)
	}
	in.CarrierID, in.Name, in.Commune = strconv.FormatInt(c.ID, 10), name, commune
	if in.Kind == "" {
		in.Kind = "tiers_lieu"
	}
	if in.Status == "" {
		in.Status = "open"
	}
	if in.Address == "" {
		in.Address = "1 place de la Mairie"
	}
	if in.Audience == "" {
		in.Audience = "both"
	}
	p, err := f.svc.Places.CreatePlace(ctx, f.coord, in)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
