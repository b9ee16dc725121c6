package opendata

import (
	"bytes"
	"fmt"
	"maps"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"coopconnect/internal/coop"
	"coopconnect/internal/places"
)

func parseCGETFile(t *testing.T) []Candidate {
	t.Helper()
	f, err := os.Open(sharedData(t, "tiers-lieux-cget-2019-paca.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cands, err := ParseCGET2019(f)
	if err != nil {
		t.Fatal(err)
	}
	return cands
}

// TestParseCGET2019_PACA imports the census's 127 PACA rows: 125 are
// valid; the two others give a postal code that is not their commune's
// (a CEDEX code, and La Seyne-sur-Mer's for a place in Toulon).
func TestParseCGET2019_PACA(t *testing.T) {
	ix := communes(t)
	cands := parseCGETFile(t)
	if len(cands) != 127 {
		t.Fatalf("got %d rows, want 127", len(cands))
	}
	checked := Check(cands, ix, today)
	count := map[string]int{}
	valid := 0
	byKey := map[string]Candidate{}
	for _, c := range checked {
		byKey[c.Key] = c
		if c.Valid() {
			valid++
		}
		for field, key := range c.Problems {
			count[field+": "+key]++
		}
	}
	var summary []string
	for _, k := range slices.SortedFunc(maps.Keys(count), func(a, b string) int { return count[b] - count[a] }) {
		summary = append(summary, fmt.Sprintf("%d × %s", count[k], k))
	}
	t.Logf("%d of %d rows valid; problems: %s", valid, len(checked), strings.Join(summary, "; "))
	if valid != 125 {
		t.Errorf("got %d valid rows, want 125", valid)
	}
	wantProblems := map[string]map[string]string{
		"cget2019-1140": {"postal_code": "places.postal_code_mismatch"}, // 13625: Aix-en-Provence's CEDEX code
		"cget2019-1177": {"postal_code": "places.postal_code_mismatch"}, // 83500 is La Seyne-sur-Mer, the place is in Toulon
	}
	for _, c := range checked {
		if want := wantProblems[c.Key]; !maps.Equal(c.Problems, want) {
			t.Errorf("line %d %s (%s): problems %v, want %v", c.Line, c.Key, c.Input.Name, c.Problems, want)
		}
	}
	for _, tc := range []struct {
		key, commune, postal, why string
	}{
		{"cget2019-114", "13055", "13006", "INSEECOM is Marseille's 6th arrondissement"},
		{"cget2019-1460", "06152", "06560", "INSEECOM 14327 is a commune of Calvados, not of INSEEDEP 06: INSEEMETRO is Valbonne"},
		{"cget2019-402", "04112", "04100", "INSEECOM 0: INSEEMETRO is Manosque; CP 0: Manosque's only postal code"},
		{"cget2019-121", "06018", "06410", "CP 0: the postal code of the geocoded address"},
		{"cget2019-106", "84007", "84000", "a plain row"},
	} {
		c, ok := byKey[tc.key]
		if !ok {
			t.Fatalf("no row %s", tc.key)
		}
		pl, err := withCarrier(c.Input).Validate(ix, today)
		if err != nil || pl.CommuneCode != tc.commune || pl.PostalCode != tc.postal {
			t.Errorf("%s (%s): commune %s, postal code %s, %v; want %s %s", tc.key, tc.why, pl.CommuneCode, pl.PostalCode, err, tc.commune, tc.postal)
		}
	}
	// The defaults: tiers-lieux, open; coworkings for professionals, with desks; fablabs for everyone.
	cowork, fablab := byKey["cget2019-106"].Input, byKey["cget2019-1140"].Input
	if cowork.Kind != "tiers_lieu" || cowork.Status != "open" || cowork.Audience != "professionals" || !slices.Equal(cowork.Services, []string{"desk"}) ||
		cowork.Identity != "Tiers lieux à dominante coworking" {
		t.Errorf("coworking: %+v", cowork)
	}
	if fablab.Kind != "tiers_lieu" || fablab.Audience != "both" || fablab.Services != nil || fablab.Website != "https://labaixbidouille.com/" {
		t.Errorf("fablab: %+v", fablab)
	}
	if w := byKey["cget2019-478"].Input.Website; w != "http://www.groupunion.fr" {
		t.Errorf("a website without its scheme: %q", w)
	}
	// Importing the same file again gives the same rows, keys included.
	if again := parseCGETFile(t); !reflect.DeepEqual(again, cands) {
		t.Error("two parses of the same file differ")
	}
	// Check leaves its input alone.
	if cands[0].Problems != nil || cands[1].Input.Commune != "Marseille" {
		t.Errorf("Check changed its input: %+v", cands[1].Input)
	}
}

// withCarrier is what the importer does once it knows the carrier.
func withCarrier(in places.PlaceInput) places.PlaceInput {
	in.CarrierID = "1"
	return in
}

// TestCheck_FormerCommuneCodes: an INSEE code of a commune merged since is
// accepted as its current commune, as older files have them.
func TestCheck_FormerCommuneCodes(t *testing.T) {
	ix := communes(t)
	var former, current string
	for c := range ix.Communes() {
		if (c.Department == "05" || c.Department == "04") && len(c.Former) > 0 && c.Former[0].Code != c.Code {
			former, current = c.Former[0].Code, c.Code
			break
		}
	}
	if former == "" {
		t.Skip("no merged commune in the Alps to test with")
	}
	csv := "ID,NOM_TL,ADRESSE,CP,INSEECOM,NOMCOM,LAT,LONG,INSEEDEP\n1,La Grange,1 place de l'Église,0," + former + ",Ancien nom,,," + current[:2] + "\n"
	cands, err := ParseCGET2019(strings.NewReader(csv))
	if err != nil {
		t.Fatal(err)
	}
	c := Check(cands, ix, today)[0]
	if !c.Valid() || c.Input.Commune != current {
		t.Errorf("former code %s: commune %q, problems %v; want %s", former, c.Input.Commune, c.Problems, current)
	}
}

// TestParseStandardCSV_RoundTrip exports the network, imports the file and
// exports the imported places again: the same rows come back, but for what
// the standard has no word for (the kind of an incubator or of an "other"
// place).
func TestParseStandardCSV_RoundTrip(t *testing.T) {
	ix := communes(t)
	ps, carriers := network(t, ix)
	srcs := Sources(ps, carriers)
	rows := Rows(srcs, ix, baseURL, today)
	var file bytes.Buffer
	if err := WriteCSV(&file, rows); err != nil {
		t.Fatal(err)
	}
	cands, err := ParseStandardCSV(bytes.NewReader(file.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	checked := Check(cands, ix, today)
	if len(checked) != len(rows) {
		t.Fatalf("got %d candidates, want %d", len(checked), len(rows))
	}
	bySlug := map[string]places.Place{}
	for _, p := range ps {
		bySlug[p.Slug] = p
	}
	var again []Source
	for i, c := range checked {
		if !c.Valid() {
			t.Errorf("line %d: %v", c.Line, c.Problems)
			continue
		}
		// The first description holds three line breaks: the second row
		// starts on line 6.
		if wantLine := map[int]int{0: 2, 1: 6}[i]; c.Key != rows[i].ID || wantLine != 0 && c.Line != wantLine {
			t.Errorf("line %d key %q, want line %d key %q", c.Line, c.Key, wantLine, rows[i].ID)
		}
		pl, err := withCarrier(c.Input).Validate(ix, today)
		if err != nil {
			t.Fatal(err)
		}
		orig := bySlug[strings.TrimPrefix(c.Key, IDPrefix)]
		// What the standard carries comes back as it was.
		for _, f := range []struct {
			name      string
			got, want any
		}{
			{"name", pl.Name, orig.Name}, {"address", pl.Address, orig.Address}, {"postal code", pl.PostalCode, orig.PostalCode},
			{"commune", pl.CommuneCode, orig.CommuneCode}, {"lat", pl.Lat, orig.Lat}, {"lon", pl.Lon, orig.Lon},
			{"identity", pl.Identity, orig.Identity}, {"description", pl.Description, orig.Description}, {"prices", pl.Prices, orig.Prices},
			{"hours", pl.OpeningHours, orig.OpeningHours}, {"email", pl.ContactEmail, orig.ContactEmail},
			{"status", pl.Status, places.StatusOpen}, {"audience", pl.Audience, places.AudienceBoth},
		} {
			if f.got != f.want {
				t.Errorf("%s: %s = %#v, want %#v", c.Key, f.name, f.got, f.want)
			}
		}
		if orig.Website != "" && pl.Website != orig.Website {
			t.Errorf("%s: website %q, want %q", c.Key, pl.Website, orig.Website)
		}
		if StandardPhone(pl.ContactPhone) != StandardPhone(orig.ContactPhone) {
			t.Errorf("%s: phone %q, want %q", c.Key, pl.ContactPhone, orig.ContactPhone)
		}
		pl.Slug, pl.CarrierID, pl.CarrierName, pl.UpdatedAt = orig.Slug, orig.CarrierID, orig.CarrierName, orig.UpdatedAt
		again = append(again, Source{Place: pl, Carrier: srcs[slices.IndexFunc(srcs, func(s Source) bool { return s.Place.Slug == orig.Slug })].Carrier})
	}
	reexport := Rows(again, ix, baseURL, today)
	for i := range rows {
		want := rows[i]
		// An incubator and an "other" place come back as public digital
		// spaces: the typologie has no word for them.
		switch want.ID {
		case "coopconnect-pepiniere-sisteron":
			want.Typologie = "EPN|EPCI"
		case "coopconnect-bureaux-gap-centre":
			want.Typologie = "EPN"
		}
		if reexport[i] != want {
			t.Errorf("row %d exported again\n got %q\nwant %q", i+1, reexport[i].Cells(), want.Cells())
		}
	}
}

// TestParseStandardCSV_TheStandardsExample imports the standard's example:
// its coordinates are in Aix-en-Provence, 600 km from Reims, its commune.
func TestParseStandardCSV_TheStandardsExample(t *testing.T) {
	ix := communes(t)
	f, err := os.Open(sharedData(t, "lieux-mediation-numerique-exemple-valide.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cands, err := ParseStandardCSV(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(cands) != 1 {
		t.Fatalf("got %d candidates", len(cands))
	}
	in := cands[0].Input
	want := places.PlaceInput{
		Name: "Anonymal", Kind: "tiers_lieu", Status: "open", Audience: "both",
		Address: "12 BIS RUE DE LECLERCQ, Le patio du bois de l'Aulne", PostalCode: "51100", Commune: "Reims",
		Lat: "43.52609", Lon: "5.41423",
		Identity:     "Notre association propose des formations aux outils numériques à destination des personnes âgées.",
		Description:  in.Description,
		Prices:       "Gratuit sous condition, Payant",
		OpeningHours: "Mo-Fr 09:00-12:00,14:00-18:30; Sa 08:30-12:00",
		ContactEmail: "contact@laquincaillerie.tl", ContactPhone: "01 80 05 98 80", Website: "https://www.laquincaillerie.tl/",
		Services: []string{"digital_help"},
	}
	if !reflect.DeepEqual(in, want) || !strings.HasPrefix(in.Description, "Notre parcours d'initiation") || cands[0].Key != "structure-1" {
		t.Errorf("got  %+v\nwant %+v", in, want)
	}
	c := Check(cands, ix, today)[0]
	if c.Problems["lat"] != "opendata.far_from_commune" || len(c.Problems) != 1 || c.Input.Commune != "51454" {
		t.Errorf("problems %v %v, commune %s", c.Problems, c.ProblemArgs, c.Input.Commune)
	}
	if args := c.ProblemArgs["lat"]; len(args) != 2 || args[1] != "Reims" || args[0].(int) < 500 {
		t.Errorf("args %v, want the distance and the commune", args)
	}
}

func TestParseStandardCSV_RowsAndDefaults(t *testing.T) {
	ix := communes(t)
	long := strings.Repeat("Un résumé long. ", 12) // 192 characters: more than the identity's 160
	file := "\uFEFFnom;adresse;commune;code_postal;code_insee;typologie;latitude;longitude;presentation_resume;presentation_detail;horaires;services;prise_en_charge_specifique;telephone\n" +
		"Médiathèque;1 rue Droite;Sisteron;04200;;BIB;;;Court;Détail;;Aide aux démarches administratives|Accès internet et matériel informatique;Handicaps moteurs|Surdité;+33 4 92 61 00 00\n" +
		";;;;;;;;;;;;;\n" + // an empty row, as spreadsheets leave
		"Espace numérique;2 place de la Mairie;Paris 5e;75005;75105;;;;" + long + ";;Mo-Fr 25:00-26:00;;;\n" +
		"Médiathèque;1 rue Droite;Sisteron;04200\n" +
		"Sans commune;3 rue Haute;Nulle-Part-sur-Mer;99999;;;44,2;;;;;;;\n"
	cands, err := ParseStandardCSV(strings.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	if len(cands) != 4 {
		t.Fatalf("got %d candidates, want 4 (the empty row skipped)", len(cands))
	}
	checked := Check(cands, ix, today)
	got := map[int]map[string]string{}
	for _, c := range checked {
		got[c.Line] = c.Problems
	}
	want := map[int]map[string]string{
		2: nil,
		4: {"opening_hours": "places.hours_invalid_at"},
		5: {"row": "opendata.row_columns", "key": "opendata.duplicate_key"},
		6: {"commune": "places.commune_unknown", "lat": "places.coordinates_both"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("problems\n got %v\nwant %v", got, want)
	}
	if args := checked[1].ProblemArgs["opening_hours"]; len(args) != 2 {
		t.Errorf("the hours' problem says where: %v", args)
	}
	if k := checked[2].ProblemArgs["key"]; !slices.Equal(k, []any{2}) {
		t.Errorf("the duplicate names the first line: %v", k)
	}
	lib, epn := checked[0].Input, checked[1].Input
	if lib.Kind != "library" || !slices.Equal(lib.Services, []string{"digital_help", "desk"}) || !slices.Equal(lib.Equipment, []string{"step_free"}) ||
		lib.ContactPhone != "04 92 61 00 00" || lib.Commune != "04209" {
		t.Errorf("library: %+v", lib)
	}
	if epn.Kind != "eric" || epn.Commune != "75056" || epn.Identity != "" || !strings.HasPrefix(epn.Description, "Un résumé long.") {
		t.Errorf("arrondissement and long summary: %+v", epn)
	}
	if !strings.HasPrefix(checked[0].Key, "h-") || checked[0].Key != checked[2].Key || checked[0].Key == checked[1].Key {
		t.Errorf("keys without ids: %q %q %q", checked[0].Key, checked[1].Key, checked[2].Key)
	}
}

func TestParse_FileErrors(t *testing.T) {
	for _, tc := range []struct {
		name, file string
		cget       bool
		key        string
		args       []any
	}{
		{"empty", "", false, "opendata.empty_file", nil},
		{"blank", " \n\n", true, "opendata.empty_file", nil},
		{"a spreadsheet", "PK\x03\x04\x00\x00binary", false, "opendata.not_csv", nil},
		{"UTF-16", "\xff\xfen\x00o\x00m\x00", false, "opendata.not_csv", nil},
		{"missing columns", "nom,ville\nA,B\n", false, "opendata.missing_columns", []any{"adresse, commune, code_postal"}},
		{"the standard given as the census", "id,nom,adresse,commune,code_postal\n", true, "opendata.missing_columns", []any{"nom_tl, cp, inseecom, nomcom, lat, long"}},
		{"duplicate column", "nom,adresse,commune,code_postal,Nom\n", false, "opendata.duplicate_column", []any{"nom"}},
		{"broken quotes", "nom,adresse,commune,code_postal\n\"A,1 rue,Gap,05000\nB,2 rue,Gap,05000\n", false, "opendata.csv_syntax", []any{2}},
		{"too big", strings.Repeat("x", MaxImportBytes+1), false, "opendata.too_big", []any{20}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			parse := ParseStandardCSV
			if tc.cget {
				parse = ParseCGET2019
			}
			_, err := parse(strings.NewReader(tc.file))
			e := coop.AsError(err)
			if e == nil || e.Code != coop.EInvalid || e.Message != tc.key || !reflect.DeepEqual(e.Args, tc.args) {
				t.Errorf("got %v, want %s %v", err, tc.key, tc.args)
			}
		})
	}
}

func TestParse_Windows1252AndHeaderOnly(t *testing.T) {
	// « Médiathèque » and « Briançon » as a French spreadsheet saves them.
	file := "nom;adresse;commune;code_postal\nM\xe9diath\xe8que;Rue Aspirant Jan;Brian\xe7on;5100\n"
	cands, err := ParseStandardCSV(strings.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	if in := cands[0].Input; in.Name != "Médiathèque" || in.Commune != "Briançon" || in.PostalCode != "05100" {
		t.Errorf("got %+v", in)
	}
	if c := Check(cands, communes(t), today)[0]; !c.Valid() || c.Input.Commune != "05023" {
		t.Errorf("problems %v, commune %q", c.Problems, c.Input.Commune)
	}
	cands, err = ParseStandardCSV(strings.NewReader("nom,adresse,commune,code_postal\r\n"))
	if err != nil || len(cands) != 0 {
		t.Errorf("header only: %v, %v", cands, err)
	}
}
