package web

import (
	"encoding/csv"
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"coopconnect/internal/accounts"
	"coopconnect/internal/db"
	"coopconnect/internal/opendata"
	"coopconnect/internal/places"
)

// TestOpenData_ExportIsValidAgainstTheStandard downloads the CSV and JSON
// exports of real places and validates every row against the schema.
func TestOpenData_ExportIsValidAgainstTheStandard(t *testing.T) {
	e := newEnv(t, db.SQLite, nil)
	coord := e.user("c@example.fr", accounts.Coordinator)
	c, err := e.srv.Places.CreateCarrier(t.Context(), coord, places.CarrierInput{Name: "Les Fileuses", Kind: "association", SIRET: "73282932000074", RNA: "W041000274"})
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range []places.PlaceInput{
		{Name: "La Filature", Commune: "04088", Services: []string{"desk", "digital_help"}, OpeningHours: "Mo-Fr 09:00-18:00; PH off", ContactPhone: "04 92 00 00 00", ContactEmail: "accueil@example.fr", Prices: "Gratuit"},
		{Name: "Le Relais", Commune: "Sisteron", Status: "testing"},
		{Name: "Fermé", Commune: "05061", Status: "closed"},
	} {
		in.CarrierID, in.Kind, in.Address, in.Audience = strconv.FormatInt(c.ID, 10), "tiers_lieu", "1 place du village", "both"
		if in.Status == "" {
			in.Status = "open"
		}
		if _, err := e.srv.Places.CreatePlace(t.Context(), coord, in); err != nil {
			t.Fatal(err)
		}
	}
	rec := e.do(request{method: "GET", path: "/opendata/lieux.csv"})
	if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/csv") {
		t.Fatalf("CSV: %d %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	records, err := csv.NewReader(strings.NewReader(rec.Body.String())).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(records[0], ","), strings.Join(opendata.FieldNames(), ","); got != want {
		t.Errorf("CSV header %q, want the standard's %q", got, want)
	}
	var rows []opendata.Row
	for _, r := range records[1:] {
		rows = append(rows, opendata.RowOf(r))
	}
	if len(rows) != 2 {
		t.Errorf("%d rows, want the 2 public places (a closed one is not exported)", len(rows))
	}
	if problems := opendata.Validate(rows); len(problems) > 0 {
		t.Errorf("the export breaks the standard: %+v", problems)
	}
	rec = e.do(request{method: "GET", path: "/opendata/lieux.json"})
	var items []map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &items); err != nil || len(items) != 2 {
		t.Fatalf("JSON: %d items, %v", len(items), err)
	}
	if items[0]["nom"] == nil || items[0]["pivot"] == nil {
		t.Errorf("JSON item lacks nom or pivot: %v", items[0])
	}
}
