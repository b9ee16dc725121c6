package web

import (
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"coopconnect/internal/accounts"
	"coopconnect/internal/coop"
	"coopconnect/internal/db"
	"coopconnect/internal/places"
)

func TestAPIPlaces_ListDetailCommunesEPCI(t *testing.T) {
	clock := coop.NewFixedClock(time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)) // Monday 10:00 in Paris
	e := newEnv(t, db.SQLite, clock)
	coord := e.user("c@example.fr", accounts.Coordinator)
	c, err := e.srv.Places.CreateCarrier(t.Context(), coord, places.CarrierInput{Name: "Porteur", Kind: "individual"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := e.srv.Places.CreatePlace(t.Context(), coord, places.PlaceInput{CarrierID: strconv.FormatInt(c.ID, 10), Name: "La Filature", Kind: "tiers_lieu",
		Status: "open", Address: "1 rue", Commune: "04088", Audience: "both", OpeningHours: "Mo-Fr 09:00-12:00"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.srv.Places.AddSpace(t.Context(), coord, p.Slug, places.SpaceInput{Name: "Atelier", Kind: "open_space", Capacity: "8", Audience: "both"}); err != nil {
		t.Fatal(err)
	}
	get := func(path string, status int, into any) {
		t.Helper()
		rec := e.do(request{method: "GET", path: path})
		if rec.Code != status {
			t.Fatalf("%s: status %d, want %d: %s", path, rec.Code, status, rec.Body.String())
		}
		if err := json.Unmarshal(rec.Body.Bytes(), into); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
	}
	var list apiPage[apiPlace]
	get("/api/v1/places?commune=banon&rayon=40", 200, &list)
	if list.Total != 1 || list.Items[0].Slug != "la-filature" || list.Items[0].DistanceKm == nil {
		t.Errorf("near Banon: %+v", list)
	}
	var one apiPlace
	get("/api/v1/places/la-filature", 200, &one)
	if one.OpenNow == nil || !*one.OpenNow || one.NextChange == nil || *one.NextChange != "2026-12-07T12:00:00+01:00" {
		t.Errorf("open now %v, next change %v; want open until 12:00 Paris time", one.OpenNow, one.NextChange)
	}
	if len(one.Spaces) != 1 || one.Spaces[0].Kind != "open_space" || one.Spaces[0].Capacity != 8 {
		t.Errorf("spaces %+v", one.Spaces)
	}
	var communes struct{ Items []apiCommune }
	get("/api/v1/communes?q=st%20etienne%20de%20tinee", 200, &communes)
	if len(communes.Items) == 0 || communes.Items[0].Code != "06120" || !communes.Items[0].Rural {
		t.Errorf("st etienne de tinee: %+v", communes.Items)
	}
	var epci apiEPCI
	get("/api/v1/epci/"+one.EPCI, 200, &epci)
	if len(epci.Communes) < 5 || epci.Population == 0 {
		t.Errorf("EPCI: %d communes, population %d", len(epci.Communes), epci.Population)
	}
	var bad apiError
	get("/api/v1/places?per_page=1000", 422, &bad)
	if bad.Code != "invalid" || bad.Fields["per_page"] == "" {
		t.Errorf("per_page=1000: %+v", bad)
	}
	get("/api/v1/communes?q=a", 422, &bad)
	get("/api/v1/places/nulle-part", 404, &bad)
	if bad.Code != "not_found" {
		t.Errorf("unknown place: %+v", bad)
	}
}
