package places_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"coopconnect/internal/accounts"
	"coopconnect/internal/coop"
	"coopconnect/internal/db"
	"coopconnect/internal/places"
	"coopconnect/internal/territory"
	"coopconnect/internal/testkit"
)

var ctx = context.Background()

// fixture is a places service with a coordinator, a manager of one
// carrier, a manager of none, and a member.
type fixture struct {
	svc                                 *places.Service
	coordinator, manager, other, member accounts.User
	carrier                             places.Carrier
}

var loadTerritory = sync.OnceValues(territory.Load)

func newFixture(t *testing.T, d *db.DB) *fixture {
	t.Helper()
	communes, err := loadTerritory()
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{svc: &places.Service{DB: d, Communes: communes}}
	mk := func(email string, role accounts.Role) accounts.User {
		var u accounts.User
		err := d.Write(ctx, func(tx *db.Tx) error {
			return tx.QueryRowContext(ctx, `INSERT INTO users (public_id, email, name, role, password_hash, created_at, updated_at)
				VALUES ($1, $1, $1, $2, 'x', $3, $3) RETURNING id`, email, string(role), tx.Now).Scan(&u.ID)
		})
		if err != nil {
			t.Fatal(err)
		}
		u.Email, u.Name, u.Role = email, email, role
		return u
	}
	f.coordinator = mk("coord@example.fr", accounts.Coordinator)
	f.manager = mk("gestion@example.fr", accounts.Manager)
	f.other = mk("autre@example.fr", accounts.Manager)
	f.member = mk("membre@example.fr", accounts.Member)
	forcalquier, _ := communes.Commune("04088")
	f.carrier, err = f.svc.CreateCarrier(ctx, f.coordinator, places.CarrierInput{Name: "CC Haute-Provence", Kind: "epci", SIREN: forcalquier.EPCI, CommuneCode: "Forcalquier"})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.svc.AddManager(ctx, f.coordinator, f.carrier.ID, f.manager.Email); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) input() places.PlaceInput {
	return places.PlaceInput{CarrierID: itoa(f.carrier.ID), Name: "La Filature", Kind: "tiers_lieu", Status: "open", Address: "12 boulevard de la République",
		Commune: "forcalquier", Audience: "both", Services: []string{"desk"}, Equipment: []string{"printer_scanner", "kitchen"},
		ConnectionKind: "fibre", DownMbps: "940,5", UpMbps: "520", MeasuredOn: "2026-10-15",
		Reception: map[string]string{"orange": "good", "free": "weak"}, OpeningHours: "Mo-Fr 08:30-18:30; PH off"}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func wantField(t *testing.T, err error, field, key string) {
	t.Helper()
	e := coop.AsError(err)
	if e == nil || e.Code != coop.EInvalid || e.Fields[field] != key {
		t.Errorf("got %v, want %s on %s", err, key, field)
	}
}

func TestCreatePlace_StoresWhatWasTypedResolvingTheCommune(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		p, err := f.svc.CreatePlace(ctx, f.manager, f.input())
		if err != nil {
			t.Fatal(err)
		}
		if p.Slug != "la-filature" || p.CommuneCode != "04088" || p.PostalCode != "04300" || p.CarrierName != "CC Haute-Provence" {
			t.Errorf("got slug %q commune %q postal %q carrier %q", p.Slug, p.CommuneCode, p.PostalCode, p.CarrierName)
		}
		if p.Lat < 43.9 || p.Lat > 44.0 || p.Lon < 5.7 || p.Lon > 5.8 {
			t.Errorf("coordinates %v,%v: want Forcalquier's centre", p.Lat, p.Lon)
		}
		if p.DownMbps == nil || *p.DownMbps != 940.5 || p.Reception["orange"] != "good" || p.Reception["sfr"] != "" {
			t.Errorf("connection: %v, reception %v", p.DownMbps, p.Reception)
		}
		if !p.Has("kitchen") || !p.Has("desk") || p.Has("parking") {
			t.Errorf("services %v, equipment %v", p.Services, p.Equipment)
		}
		again, err := f.svc.CreatePlace(ctx, f.coordinator, f.input())
		if err != nil || again.Slug != "la-filature-2" {
			t.Errorf("second place of the same name: %q, %v; want la-filature-2", again.Slug, err)
		}
	})
}

func TestCreatePlace_RefusesBadInputAndWritesNothing(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		for _, tc := range []struct {
			name, field, key string
			edit             func(*places.PlaceInput)
		}{
			{"no name", "name", "error.required", func(in *places.PlaceInput) { in.Name = " " }},
			{"unknown commune", "commune", "places.commune_unknown", func(in *places.PlaceInput) { in.Commune = "Xyzzyville" }},
			{"ambiguous commune", "commune", "places.commune_ambiguous", func(in *places.PlaceInput) { in.Commune = "Saint-Martin" }},
			{"postal code of another commune", "postal_code", "places.postal_code_mismatch", func(in *places.PlaceInput) { in.PostalCode = "05000" }},
			{"coordinates outside France", "lat", "places.coordinates_outside", func(in *places.PlaceInput) { in.Lat, in.Lon = "5.99", "43.95" }},
			{"one coordinate", "lat", "places.coordinates_both", func(in *places.PlaceInput) { in.Lat = "43.95" }},
			{"bad hours", "opening_hours", "places.hours_invalid_at", func(in *places.PlaceInput) { in.OpeningHours = "Mo-Fx 08:00-18:00" }},
			{"unknown service", "services", "error.choose_in_list", func(in *places.PlaceInput) { in.Services = []string{"spa"} }},
			{"bad speed", "down_mbps", "error.number", func(in *places.PlaceInput) { in.DownMbps = "rapide" }},
			{"future measure", "measured_on", "places.measured_future", func(in *places.PlaceInput) { in.MeasuredOn = "2999-01-01" }},
			{"bad email", "contact_email", "error.email_invalid", func(in *places.PlaceInput) { in.ContactEmail = "accueil@" }},
			{"bad website", "website", "error.url_invalid", func(in *places.PlaceInput) { in.Website = "javascript:alert(1)" }},
			{"bad kind", "kind", "error.choose_in_list", func(in *places.PlaceInput) { in.Kind = "castle" }},
		} {
			in := f.input()
			tc.edit(&in)
			_, err := f.svc.CreatePlace(ctx, f.coordinator, in)
			t.Run(tc.name, func(t *testing.T) { wantField(t, err, tc.field, tc.key) })
		}
		if list, err := f.svc.Places(ctx, places.Filter{}); err != nil || len(list) != 0 {
			t.Errorf("places after refusals: %d, %v; want none", len(list), err)
		}
	})
}

func TestPlaces_OnlyTheirCarriersManagersEdit(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		p, err := f.svc.CreatePlace(ctx, f.manager, f.input())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.CreatePlace(ctx, f.other, f.input()); coop.ErrorCode(err) != coop.EInvalid {
			t.Errorf("a manager of another carrier creating: %v, want a refusal", err)
		}
		in := f.input()
		in.Name = "Autre nom"
		if _, err := f.svc.UpdatePlace(ctx, f.other, p.Slug, in); coop.ErrorCode(err) != coop.EForbidden {
			t.Errorf("another manager updating: %v, want forbidden", err)
		}
		if _, err := f.svc.UpdatePlace(ctx, f.member, p.Slug, in); coop.ErrorCode(err) != coop.EForbidden {
			t.Errorf("a member updating: %v, want forbidden", err)
		}
		got, err := f.svc.UpdatePlace(ctx, f.manager, p.Slug, in)
		if err != nil || got.Name != "Autre nom" || got.Slug != p.Slug {
			t.Errorf("its manager updating: %q %q %v; want the new name under the same slug", got.Name, got.Slug, err)
		}
		for who, u := range map[string]accounts.User{"manager": f.manager, "coordinator": f.coordinator} {
			if list, err := f.svc.Editable(ctx, u); err != nil || len(list) != 1 {
				t.Errorf("%s's editable places: %d, %v", who, len(list), err)
			}
		}
		if list, err := f.svc.Editable(ctx, f.other); err != nil || len(list) != 0 {
			t.Errorf("other manager's editable places: %d, %v; want none", len(list), err)
		}
		if _, err := f.svc.AddSpace(ctx, f.other, p.Slug, places.SpaceInput{Name: "X", Kind: "office", Capacity: "1", Audience: "both"}); coop.ErrorCode(err) != coop.EForbidden {
			t.Errorf("another manager adding a space: %v", err)
		}
	})
}

func TestCarriers_ChecksIdentifiers(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		for _, tc := range []struct {
			name, field, key string
			in               places.CarrierInput
		}{
			{"bad SIREN", "siren", "places.siren_invalid", places.CarrierInput{Name: "X", Kind: "company", SIREN: "123456789"}},
			{"bad SIRET", "siret", "places.siret_invalid", places.CarrierInput{Name: "X", Kind: "company", SIRET: "73282932000075"}},
			{"SIRET of another SIREN", "siret", "places.siret_other_siren", places.CarrierInput{Name: "X", Kind: "company", SIREN: f.carrier.SIREN, SIRET: "73282932000074"}},
			{"association without RNA", "rna", "places.rna_required", places.CarrierInput{Name: "X", Kind: "association", SIRET: "73282932000074"}},
			{"company without number", "siren", "places.siren_required", places.CarrierInput{Name: "X", Kind: "company"}},
		} {
			_, err := f.svc.CreateCarrier(ctx, f.coordinator, tc.in)
			t.Run(tc.name, func(t *testing.T) { wantField(t, err, tc.field, tc.key) })
		}
		c, err := f.svc.CreateCarrier(ctx, f.coordinator, places.CarrierInput{Name: "SAS La Cordée", Kind: "company", SIRET: "732 829 320 00074"})
		if err != nil || c.SIREN != "732829320" {
			t.Fatalf("carrier with a spaced SIRET: %+v, %v", c, err)
		}
		if _, err := f.svc.CreateCarrier(ctx, f.coordinator, places.CarrierInput{Name: "Doublon", Kind: "company", SIRET: "73282932000074"}); coop.ErrorCode(err) != coop.EInvalid {
			t.Errorf("a second carrier with the same SIRET: %v, want refused", err)
		}
		if _, err := f.svc.CreateCarrier(ctx, f.manager, places.CarrierInput{Name: "Y", Kind: "individual"}); coop.ErrorCode(err) != coop.EForbidden {
			t.Errorf("a manager creating a carrier: %v, want forbidden", err)
		}
		if err := f.svc.AddManager(ctx, f.coordinator, c.ID, f.member.Email); coop.ErrorCode(err) != coop.EInvalid {
			t.Errorf("a member as manager: %v, want refused", err)
		}
		mine, err := f.svc.Carriers(ctx, f.manager)
		if err != nil || len(mine) != 1 || mine[0].ID != f.carrier.ID {
			t.Errorf("manager's carriers: %v, %v", mine, err)
		}
		if _, err := f.svc.Carrier(ctx, f.manager, c.ID); coop.ErrorCode(err) != coop.ENotFound {
			t.Errorf("a manager reading another carrier: %v, want not found", err)
		}
	})
}

func TestSpacesAndPhotos(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		p, err := f.svc.CreatePlace(ctx, f.manager, f.input())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.AddSpace(ctx, f.manager, p.Slug, places.SpaceInput{Name: "Atelier", Kind: "open_space", Capacity: "0", Audience: "both"}); err == nil {
			t.Error("capacity 0 accepted")
		}
		sp, err := f.svc.AddSpace(ctx, f.manager, p.Slug, places.SpaceInput{Name: "Atelier", Kind: "open_space", Capacity: "12", Audience: "both"})
		if err != nil {
			t.Fatal(err)
		}
		var img bytes.Buffer
		src := image.NewRGBA(image.Rect(0, 0, 2400, 1200))
		for x := range 2400 {
			src.Set(x, x/2, color.RGBA{200, 100, 50, 255})
		}
		if err := png.Encode(&img, src); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.AddPhoto(ctx, f.manager, p.Slug, "", "Façade", []byte("GIF89a pas une image")); err == nil {
			t.Error("a file that is not an image was accepted")
		}
		if _, err := f.svc.AddPhoto(ctx, f.manager, p.Slug, "", "", img.Bytes()); err == nil {
			t.Error("a photo without description was accepted")
		}
		ph, err := f.svc.AddPhoto(ctx, f.manager, p.Slug, sp.PublicID, "L'atelier", img.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		if ph.Width != 1600 || ph.Height != 800 {
			t.Errorf("resized to %dx%d, want 1600x800", ph.Width, ph.Height)
		}
		data, err := f.svc.PhotoData(ctx, ph.PublicID, true)
		if err != nil {
			t.Fatal(err)
		}
		if cfg, format, err := image.DecodeConfig(bytes.NewReader(data)); err != nil || format != "jpeg" || cfg.Width != 480 {
			t.Errorf("thumbnail: %s %dx%d, %v", format, cfg.Width, cfg.Height, err)
		}
		got, err := f.svc.Place(ctx, p.Slug)
		if err != nil || len(got.Spaces) != 1 || len(got.Photos) != 1 || got.Photos[0].SpaceID == nil {
			t.Fatalf("place: %d spaces, %d photos, %v", len(got.Spaces), len(got.Photos), err)
		}
		if err := f.svc.DeleteSpace(ctx, f.manager, p.Slug, sp.PublicID); err != nil {
			t.Fatal(err)
		}
		if got, _ := f.svc.Place(ctx, p.Slug); len(got.Spaces) != 0 || len(got.Photos) != 0 {
			t.Errorf("after deleting the space: %d spaces, %d photos; its photo goes with it", len(got.Spaces), len(got.Photos))
		}
	})
}

func TestFind_FiltersByDistanceAudienceServiceAndHours(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		mk := func(name, commune, audience, hours string, services ...string) {
			in := f.input()
			in.Name, in.Commune, in.Audience, in.OpeningHours, in.Services = name, commune, audience, hours, services
			if _, err := f.svc.CreatePlace(ctx, f.coordinator, in); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
		}
		mk("Forcalquier", "04088", "both", "Mo-Fr 09:00-18:00", "desk")
		mk("Banon", "04018", "e_inclusion", "Sa 09:00-12:00", "digital_help")
		mk("Gap", "05061", "professionals", "Mo-Su 00:00-24:00", "desk")
		mk("Briançon", "05023", "professionals", "", "desk")
		monday := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC) // 11:00 in Paris
		names := func(q places.Query) []string {
			t.Helper()
			a, err := f.svc.Find(ctx, q, monday)
			if err != nil {
				t.Fatalf("%+v: %v", q, err)
			}
			var out []string
			for _, p := range a.Places {
				out = append(out, p.Name)
			}
			return out
		}
		for _, tc := range []struct {
			name string
			q    places.Query
			want []string
		}{
			{"all, by name", places.Query{}, []string{"Banon", "Briançon", "Forcalquier", "Gap"}},
			{"near Forcalquier, nearest first", places.Query{Commune: "Forcalquier"}, []string{"Forcalquier", "Banon"}},
			{"wider", places.Query{Commune: "04300", RadiusKm: "100"}, []string{"Forcalquier", "Banon", "Gap"}},
			{"open now", places.Query{OpenNow: true}, []string{"Forcalquier", "Gap"}},
			{"for professionals", places.Query{Audience: "professionals"}, []string{"Briançon", "Forcalquier", "Gap"}},
			{"with digital help", places.Query{Service: "digital_help"}, []string{"Banon"}},
			{"in a map frame", places.Query{BBox: "5.5,43.8,6.0,44.2"}, []string{"Banon", "Forcalquier"}},
		} {
			if got := names(tc.q); !slices.Equal(got, tc.want) {
				t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
			}
		}
		for _, tc := range []struct {
			name  string
			q     places.Query
			total int
			want  []string
		}{
			{"a window the database pages", places.Query{Offset: 1, Limit: 2}, 4, []string{"Briançon", "Forcalquier"}},
			{"a window of a filtered answer", places.Query{Audience: "professionals", Offset: 2, Limit: 5}, 3, []string{"Gap"}},
			{"a window past the end", places.Query{Offset: 10, Limit: 5}, 4, nil},
		} {
			a, err := f.svc.Find(ctx, tc.q, monday)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, p := range a.Places {
				got = append(got, p.Name)
			}
			if a.Total != tc.total || !slices.Equal(got, tc.want) {
				t.Errorf("%s: total %d %v, want %d %v", tc.name, a.Total, got, tc.total, tc.want)
			}
		}
		_, err := f.svc.Find(ctx, places.Query{Commune: "Xyzzyville"}, monday)
		wantField(t, err, "commune", "places.commune_unknown")
		_, err = f.svc.Find(ctx, places.Query{Commune: "Gap", RadiusKm: "5000"}, monday)
		wantField(t, err, "rayon", "places.radius_range")
		_, err = f.svc.Find(ctx, places.Query{BBox: "6,44,5,43"}, monday)
		wantField(t, err, "bbox", "places.bbox_invalid")
	})
}

func TestCreatePlace_HoursErrorSaysWhereAndWhy(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		in := f.input()
		in.OpeningHours = "Mo-Fr 08:00-12:00; Sa 09:00-"
		_, err := f.svc.CreatePlace(ctx, f.coordinator, in)
		e := coop.AsError(err)
		if e == nil || e.Fields["opening_hours"] != "places.hours_invalid_at" {
			t.Fatalf("got %v", err)
		}
		args := e.FieldArgs["opening_hours"]
		if len(args) != 2 || args[0] != 29 {
			t.Fatalf("args %v, want the column 29 (the dash) and the reason", args)
		}
		if m, ok := args[1].(coop.Msg); !ok || m.Key == "" {
			t.Errorf("reason %v, want a message", args[1])
		}
	})
}

func TestStaff_OnlyConciergesAreAttached(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		p, err := f.svc.CreatePlace(ctx, f.manager, f.input())
		if err != nil {
			t.Fatal(err)
		}
		var concierge int64
		if err := d.Write(ctx, func(tx *db.Tx) error {
			return tx.QueryRowContext(ctx, `INSERT INTO users (public_id, email, name, role, password_hash, created_at, updated_at)
				VALUES ('c', 'accueil@example.fr', 'Sophie', 'concierge', 'x', $1, $1) RETURNING id`, tx.Now).Scan(&concierge)
		}); err != nil {
			t.Fatal(err)
		}
		wantField(t, f.svc.AddStaff(ctx, f.manager, p.Slug, f.member.Email), "staff_email", "places.not_a_concierge")
		wantField(t, f.svc.AddStaff(ctx, f.manager, p.Slug, "personne@example.fr"), "staff_email", "places.staff_unknown")
		if err := f.svc.AddStaff(ctx, f.other, p.Slug, "accueil@example.fr"); coop.ErrorCode(err) != coop.EForbidden {
			t.Errorf("another carrier's manager: %v, want forbidden", err)
		}
		if err := f.svc.AddStaff(ctx, f.manager, p.Slug, "Accueil@Example.fr"); err != nil {
			t.Fatal(err)
		}
		got, err := f.svc.Place(ctx, p.Slug)
		if err != nil || len(got.Staff) != 1 || got.Staff[0].ID != concierge {
			t.Fatalf("staff: %v, %v", got.Staff, err)
		}
		if err := f.svc.RemoveStaff(ctx, f.manager, p.Slug, concierge); err != nil {
			t.Fatal(err)
		}
		if got, _ := f.svc.Place(ctx, p.Slug); len(got.Staff) != 0 {
			t.Errorf("staff after removal: %v", got.Staff)
		}
	})
}
