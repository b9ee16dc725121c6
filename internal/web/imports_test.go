package web

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"coopconnect/internal/accounts"
	"coopconnect/internal/db"
	"coopconnect/internal/opendata"
	"coopconnect/internal/places"
	"coopconnect/internal/testkit"
)

// upload posts a file to the import form as a browser would.
func (e *env) upload(cookie *http.Cookie, format, carrier, name string, data []byte) *httptest.ResponseRecorder {
	e.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("format", format)
	_ = mw.WriteField("carrier", carrier)
	fw, err := mw.CreateFormFile("file", name)
	if err != nil {
		e.t.Fatal(err)
	}
	_, _ = fw.Write(data)
	_ = mw.Close()
	req := httptest.NewRequest("POST", "http://localhost:8080/gestion/import", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.AddCookie(cookie)
	rec := httptest.NewRecorder()
	e.srv.ServeHTTP(rec, req)
	return rec
}

func TestImport_PreviewThenAllOrNothingThenIdempotent(t *testing.T) {
	e := newEnv(t, db.SQLite, nil)
	coord := e.user("c@example.fr", accounts.Coordinator)
	cookie := e.session(coord)
	c, err := e.srv.Places.CreateCarrier(t.Context(), coord, places.CarrierInput{Name: "Réseau", Kind: "individual"})
	if err != nil {
		t.Fatal(err)
	}
	carrier := strconv.FormatInt(c.ID, 10)

	// Not a CSV table: refused at once, next to the file field.
	rec := e.upload(cookie, opendata.FormatStandard, carrier, "photo.png", testPNG(t))
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), `id="f-file-error"`) {
		t.Fatalf("a PNG as CSV: %d", rec.Code)
	}

	// The 2019 census of PACA: two rows to correct, so nothing is imported.
	census, err := os.ReadFile(filepath.Join(sharedData(t), "tiers-lieux-cget-2019-paca.csv"))
	if err != nil {
		testkit.SkipOrFail(t, "the shared data is missing: "+err.Error())
	}
	rec = e.upload(cookie, opendata.FormatCGET2019, carrier, "cget.csv", census)
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("census upload: %d %s", rec.Code, rec.Body.String())
	}
	preview := rec.Header().Get("Location")
	body := e.do(request{method: "GET", path: preview, cookie: cookie}).Body.String()
	if !strings.Contains(body, "127 lignes") || !strings.Contains(body, "2 à corriger") {
		t.Errorf("census preview lacks its summary")
	}
	rec = e.do(request{method: "POST", path: preview, form: url.Values{}, cookie: cookie})
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != preview {
		t.Errorf("confirming a file with problems: %d to %q, want back to the preview", rec.Code, rec.Header().Get("Location"))
	}
	if list, _ := e.srv.Places.Places(t.Context(), places.Filter{}); len(list) != 0 {
		t.Fatalf("%d places after a refused import, want none", len(list))
	}

	// A valid file in the standard: imported whole, then again: nothing new.
	var file bytes.Buffer
	src := []places.Place{
		{Slug: "la-filature", Name: "La Filature", Kind: places.KindTiersLieu, Status: places.StatusOpen, Address: "1 rue", PostalCode: "04300", CommuneCode: "04088", Lat: 43.96, Lon: 5.78, Audience: places.AudienceBoth, CarrierID: c.ID},
		{Slug: "le-relais", Name: "Le Relais", Kind: places.KindERIC, Status: places.StatusOpen, Address: "2 rue", PostalCode: "04200", CommuneCode: "04209", Lat: 44.19, Lon: 5.94, Audience: places.AudienceBoth, CarrierID: c.ID, OpeningHours: "Mo-Fr 09:00-17:00"},
	}
	withSIRET := places.Carrier{ID: c.ID, Name: "Réseau", Kind: places.CarrierAssociation, SIRET: "73282932000074"}
	if err := opendata.WriteCSV(&file, opendata.Rows(opendata.Sources(src, []places.Carrier{withSIRET}), e.srv.Territory, "https://autre.example", e.srv.Clock.Now())); err != nil {
		t.Fatal(err)
	}
	for round := range 2 {
		rec = e.upload(cookie, opendata.FormatStandard, carrier, "lieux.csv", file.Bytes())
		if rec.Code != http.StatusSeeOther {
			t.Fatalf("round %d upload: %d", round, rec.Code)
		}
		rec = e.do(request{method: "POST", path: rec.Header().Get("Location"), form: url.Values{}, cookie: cookie})
		if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/gestion/lieux" {
			t.Fatalf("round %d confirm: %d %q", round, rec.Code, rec.Header().Get("Location"))
		}
		list, _ := e.srv.Places.Places(t.Context(), places.Filter{})
		if len(list) != 2 {
			t.Errorf("round %d: %d places, want 2", round, len(list))
		}
	}
}

// sharedData is ../shared/data beside the module.
func sharedData(t *testing.T) string {
	t.Helper()
	return filepath.Join("..", "..", "..", "shared", "data")
}
