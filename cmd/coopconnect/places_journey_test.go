package main

import (
	"context"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"coopconnect/internal/accounts"
	"coopconnect/internal/db"
	"coopconnect/internal/places"
	"coopconnect/internal/testkit"
)

// TestJourney_ManagerDescribesAPlaceThenTheDirectoryShowsIt: a manager
// creates a place (first with mistakes), adds a space and a photo, and a
// visitor finds it in the directory; every page passes axe.
func TestJourney_ManagerDescribesAPlaceThenTheDirectoryShowsIt(t *testing.T) {
	j := newJourney(t, db.SQLite, nil)
	ctx := context.Background()
	coordinator := j.user(accounts.Coordinator, "coord@example.org", "Camille Roux")
	manager := j.user(accounts.Manager, "gestion@example.org", "Malik Benali")
	carrier, err := j.s.Places.CreateCarrier(ctx, coordinator, places.CarrierInput{Name: "Association Les Fileuses", Kind: "association", SIRET: "73282932000074", RNA: "W041000274"})
	if err != nil {
		t.Fatal(err)
	}
	if err := j.s.Places.AddManager(ctx, coordinator, carrier.ID, manager.Email); err != nil {
		t.Fatal(err)
	}

	b := testkit.NewBrowser(t)
	j.signIn(b, manager.Email, journeyPassword)
	j.switchLanguage(b, "fr")
	b.Visit(j.url("/gestion/lieux"))
	b.ClickAndWait(`a[href="/gestion/lieux/nouveau"]`)

	// Mistakes first: an unknown commune, hours the syntax refuses,
	// coordinates in the sea.
	b.Fill("#f-name", "La Filature")
	b.Fill("#f-address", "12 boulevard de la République")
	b.Fill("#f-commune", "Forcalquiertown")
	b.Fill("#f-opening_hours", "Mo-Fx 08:30-18:30")
	b.Fill("#f-lat", "40.0") // the Mediterranean, south of Minorca
	b.Fill("#f-lon", "3.0")
	b.Submit(`form.place-form`)
	j.wantRefused(b, "fr", []fieldProblem{
		{"commune", j.tr("fr", "places.commune_unknown")},
		{"lat", j.tr("fr", "places.coordinates_outside")},
		{"opening_hours", j.tr("fr", "places.hours_invalid_at", 4, j.tr("fr", "hours.unknown_word", "Fx"))},
	}, map[string]string{"name": "La Filature", "commune": "Forcalquiertown"})

	b.Fill("#f-commune", "forcalquier")
	b.Fill("#f-opening_hours", "Mo-Fr 08:30-18:30; Sa 09:00-12:30; PH off")
	b.Fill("#f-lat", "")
	b.Fill("#f-lon", "")
	b.Fill("#f-identity", "Une ancienne filature de soie")
	b.Click("#f-services-desk")
	b.Click("#f-equipment-printer_scanner")
	b.Fill("#f-reception_orange", "good")
	b.Submit(`form.place-form`)
	j.wantPath(b, "/gestion/lieux/la-filature")
	j.wantFlash(b, j.tr("fr", "manage.place_created"))

	// A space with a mistake, then right.
	b.Fill("#f-space_name", "Le grand atelier")
	b.Fill("#f-space_kind", "open_space")
	b.Fill("#f-capacity", "0")
	b.Fill("#f-space_audience", "both")
	b.Submit(`form[action="/gestion/lieux/la-filature/espaces"]`)
	j.wantRefused(b, "fr", []fieldProblem{{"capacity", j.tr("fr", "places.capacity_range")}}, map[string]string{"space_name": "Le grand atelier"})
	b.Fill("#f-capacity", "12")
	b.Submit(`form[action="/gestion/lieux/la-filature/espaces"]`)
	j.wantFlash(b, j.tr("fr", "manage.space_added"))

	// A photo: a text file is refused, a JPEG is taken.
	dir := t.TempDir()
	notImage := filepath.Join(dir, "photo.jpg")
	if err := os.WriteFile(notImage, []byte("ceci n'est pas une image"), 0o600); err != nil {
		t.Fatal(err)
	}
	b.SetFile("#f-photo", notImage)
	b.Fill("#f-alt", "La cour aux tilleuls")
	b.Submit(`form[action="/gestion/lieux/la-filature/photos"]`)
	j.wantRefused(b, "fr", []fieldProblem{{"photo", j.tr("fr", "places.photo_not_image")}}, map[string]string{"alt": "La cour aux tilleuls"})
	photo := filepath.Join(dir, "cour.jpg")
	writeJPEG(t, photo, 1200, 800)
	b.SetFile("#f-photo", photo)
	b.Fill("#f-alt", "La cour aux tilleuls")
	b.Submit(`form[action="/gestion/lieux/la-filature/photos"]`)
	j.wantFlash(b, j.tr("fr", "manage.photo_added"))

	// The import form, sent without a file, then with the network's own
	// open-data export: its preview says the place is already there.
	b.Visit(j.url("/gestion/import"))
	b.Submit(`form[action="/gestion/import"]`)
	j.wantRefused(b, "fr", []fieldProblem{{"file", j.tr("fr", "error.required")}}, nil)
	export := filepath.Join(dir, "lieux.csv")
	res, err := http.Get(j.url("/opendata/lieux.csv"))
	if err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil || os.WriteFile(export, data, 0o600) != nil {
		t.Fatalf("export: %v", err)
	}
	b.Fill("#f-carrier", strconv.FormatInt(carrier.ID, 10))
	b.SetFile("#f-file", export)
	b.Submit(`form[action="/gestion/import"]`)
	j.wantText(b, "h1", j.tr("fr", "import.preview_title"))
	if !strings.Contains(b.Text("table"), "La Filature") {
		t.Error("the preview does not list the exported place")
	}

	// A visitor finds it.
	visitor := testkit.NewBrowser(t)
	visitor.Visit(j.url("/lieux"))
	j.switchLanguage(visitor, "fr")
	if got := visitor.Text(".place-card h2"); got != "La Filature" {
		t.Errorf("directory's first place: %q", got)
	}
	visitor.ClickAndWait(`a[href="/lieux/la-filature"]`)
	j.wantText(visitor, "h1", "La Filature")
	for _, want := range []string{"Le grand atelier", "Forcalquier", j.tr("fr", "service.desk"), j.tr("fr", "reception.good")} {
		if !strings.Contains(visitor.Text("main"), want) {
			t.Errorf("the place page lacks %q", want)
		}
	}
	if alt := evalJS[string](visitor, `document.querySelector(".photo-hero img").alt`); alt != "La cour aux tilleuls" {
		t.Errorf("photo alt %q", alt)
	}
	// Its commune and EPCI show it; the directory finds it around Banon
	// and says so plainly when a filter leaves nothing.
	visitor.ClickAndWait(`a[href="/territoires/communes/04088"]`)
	j.wantText(visitor, "h1", "Forcalquier")
	if got := visitor.Text(".place-card h2"); got != "La Filature" {
		t.Errorf("the commune page lists %q", got)
	}
	visitor.ClickAndWait(`.breadcrumb a`)
	if !strings.Contains(visitor.Text("main"), "La Filature") {
		t.Error("the EPCI page does not list the place")
	}
	visitor.Visit(j.url("/lieux"))
	visitor.Fill("#f-commune", "banon")
	visitor.Submit(`form.filters`)
	if got := visitor.Text(".place-card h2"); got != "La Filature" {
		t.Errorf("around Banon: %q", got)
	}
	visitor.Visit(j.url("/lieux?commune=banon&rayon=10"))
	j.wantText(visitor, ".empty-state .empty", j.tr("fr", "places.none_match"))
	visitor.ClickAndWait(`.empty-state a`)
	if got := visitor.Text(".place-card h2"); got != "La Filature" {
		t.Errorf("after widening: %q", got)
	}
	visitor.Visit(j.url("/lieux?commune=Xyzzyville"))
	j.wantRefused(visitor, "fr", []fieldProblem{{"commune", j.tr("fr", "places.commune_unknown")}}, map[string]string{"commune": "Xyzzyville"})
	visitor.Visit(j.url("/opendata"))
	j.wantText(visitor, "h1", j.tr("fr", "opendata.title"))
	visitor.Mobile()
	visitor.Visit(j.url("/lieux/la-filature"))
}

func writeJPEG(t *testing.T, path string, w, h int) {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(x % 256), uint8(y % 256), 140, 255})
		}
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := jpeg.Encode(f, img, nil); err != nil {
		t.Fatal(err)
	}
}

// TestJourney_CoordinatorManagesCarriers: the carriers' pages, their
// refused forms and the managers' list pass axe.
func TestJourney_CoordinatorManagesCarriers(t *testing.T) {
	j := newJourney(t, db.SQLite, nil)
	coordinator := j.user(accounts.Coordinator, "coord@example.org", "Camille Roux")
	manager := j.user(accounts.Manager, "gestion@example.org", "Malik Benali")
	b := testkit.NewBrowser(t)
	j.signIn(b, coordinator.Email, journeyPassword)
	j.switchLanguage(b, "fr")
	b.Visit(j.url("/gestion/porteurs"))
	b.Fill("#f-name", "Association Les Fileuses")
	b.Fill("#f-kind", "association")
	b.Fill("#f-siret", "73282932000075")
	b.Submit(`form[action="/gestion/porteurs"]`)
	j.wantRefused(b, "fr", []fieldProblem{
		{"siret", j.tr("fr", "places.siret_invalid")},
		{"rna", j.tr("fr", "places.rna_required")},
	}, map[string]string{"name": "Association Les Fileuses", "siret": "73282932000075"})
	b.Fill("#f-siret", "732 829 320 00074")
	b.Fill("#f-rna", "W041000274")
	b.Fill("#f-commune", "Banon")
	b.Submit(`form[action="/gestion/porteurs"]`)
	j.wantFlash(b, j.tr("fr", "manage.carrier_created"))
	j.wantText(b, "h1", "Association Les Fileuses")
	b.Fill("#f-manager_email", "personne@example.org")
	b.Submit(`form[action$="/gestionnaires"]`)
	j.wantRefused(b, "fr", []fieldProblem{{"manager_email", j.tr("fr", "places.manager_unknown")}}, map[string]string{"manager_email": "personne@example.org"})
	b.Fill("#f-manager_email", manager.Email)
	b.Submit(`form[action$="/gestionnaires"]`)
	j.wantFlash(b, j.tr("fr", "manage.manager_added"))
	if !strings.Contains(b.Text("main"), "Malik Benali") {
		t.Error("the carrier's page does not list its new manager")
	}
}
