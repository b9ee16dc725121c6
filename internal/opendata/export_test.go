package opendata

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"coopconnect/internal/places"
	"coopconnect/internal/territory"
)

const baseURL = "https://coop.example.org/"

var (
	today   = time.Date(2025, 6, 2, 10, 0, 0, 0, time.UTC)
	updated = time.Date(2025, 3, 31, 22, 30, 0, 0, time.UTC) // 1 April in Paris
)

func communes(t *testing.T) *territory.Index {
	t.Helper()
	ix, err := territory.Load()
	if err != nil {
		t.Fatal(err)
	}
	return ix
}

// The carriers of the test network.
var (
	mairieForcalquier = places.Carrier{ID: 1, Name: "Commune de Forcalquier", Kind: places.CarrierCommune, SIREN: "210400883", SIRET: "21040088300015"}
	assoUbaye         = places.Carrier{ID: 2, Name: "Ubaye Coworking", Kind: places.CarrierAssociation, RNA: "W041000123"}
	ccSisteronais     = places.Carrier{ID: 3, Name: "CC du Sisteronais-Buëch", Kind: places.CarrierEPCI, SIREN: "200068765"}
	villeBriancon     = places.Carrier{ID: 4, Name: "Ville de Briançon", Kind: places.CarrierCommune, SIREN: "210500237", SIRET: "21050023700012"}
	sasGap            = places.Carrier{ID: 5, Name: "Alpes Bureaux SAS", Kind: places.CarrierCompany, SIREN: "812345678", SIRET: "81234567800021"}
	mmeMartin         = places.Carrier{ID: 6, Name: "Claire Martin", Kind: places.CarrierIndividual}
)

// network builds realistic places through the place form, as the
// back-office stores them.
func network(t *testing.T, ix *territory.Index) ([]places.Place, []places.Carrier) {
	t.Helper()
	inputs := []struct {
		slug    string
		carrier places.Carrier
		in      places.PlaceInput
	}{
		{"espace-numerique-forcalquier", mairieForcalquier, places.PlaceInput{
			Name: "Espace numérique de Forcalquier", Kind: "eric", Status: "open", Audience: "e_inclusion",
			Address: "4 avenue de l'Observatoire", Commune: "04088", Lat: "43.9598", Lon: "5.7806",
			Identity:    "L'espace public numérique de la mairie, pour apprendre et faire ses démarches",
			Description: "Des ordinateurs en libre accès & un médiateur « Conseiller numérique ».\nAteliers le mardi.",
			Services:    []string{"digital_help", "training", "desk"}, Equipment: []string{"printer_scanner", "step_free", "accessible_toilets"},
			Prices: "Gratuit", OpeningHours: "Mo-Fr 09:00-12:00,14:00-17:30; PH off",
			ContactName: "Julie Roux", ContactEmail: "epn@forcalquier.example.fr", ContactPhone: "04 92 75 00 00",
		}},
		{"ecow-barcelonnette", assoUbaye, places.PlaceInput{
			Name: "Ecow", Kind: "tiers_lieu", Status: "open", Audience: "both",
			Address: "Chemin des Casernes", PostalCode: "04400", Commune: "Barcelonnette",
			Identity: "Coworking de la vallée de l'Ubaye", Services: []string{"desk", "meeting_room", "fast_connection", "events"},
			ConnectionKind: "fibre", DownMbps: "940", UpMbps: "620", MeasuredOn: "2025-01-15", Reception: map[string]string{"orange": "good", "free": "weak"},
			Prices: "15 € la journée, 120 € le mois", OpeningHours: "Mo-Fr 08:30-18:30",
			ContactEmail: "Bonjour@Ecow.example.fr", ContactPhone: "+33 (0)4 92 81 00 00", Website: "https://ecow.example.fr/",
		}},
		{"pepiniere-sisteron", ccSisteronais, places.PlaceInput{
			Name: "Pépinière d'entreprises du Sisteronais", Kind: "incubator", Status: "open", Audience: "professionals",
			Address: "Zone d'activités Val de Durance", Commune: "Sisteron", Lat: "44.1938", Lon: "5.9437",
			Services: []string{"desk", "domiciliation"}, Prices: "Gratuit la première semaine, puis 10 € par jour",
			ContactPhone: "04 92 61 00 0", // a digit short
		}},
		{"mediatheque-briancon", villeBriancon, places.PlaceInput{
			Name: "Médiathèque de Briançon", Kind: "library", Status: "open", Audience: "both",
			Address: "Rue Aspirant Jan", Commune: "05023", Services: []string{"printing", "fast_connection"},
			OpeningHours: "Tu,Th 13:00-18:00; We,Sa 10:00-12:00,13:00-18:00", Website: "https://mediatheque.example.fr/agenda?lieu=1&vue=mois",
			ContactPhone: "06 12 34 56 78",
		}},
		{"bureaux-gap-centre", sasGap, places.PlaceInput{
			Name: "Bureaux Gap Centre", Kind: "other", Status: "testing", Audience: "professionals",
			Address: "12 rue Carnot", Commune: "Gap", Services: []string{"desk", "video_booth"},
			Description: "Bureaux fermés à la semaine.", OpeningHours: "Mo-Sa 08:00-20:00",
		}},
		{"atelier-digne", mmeMartin, places.PlaceInput{
			Name: "L'Atelier partagé", Kind: "tiers_lieu", Status: "project", Audience: "both",
			Address: "3 place du Tampinet", Commune: "Digne-les-Bains",
		}},
		{"ancien-cyber-base-sisteron", ccSisteronais, places.PlaceInput{
			Name: "Ancienne Cyber-base", Kind: "eric", Status: "closed", Audience: "both",
			Address: "Place de la République", Commune: "Sisteron",
		}},
	}
	var ps []places.Place
	carriers := []places.Carrier{mairieForcalquier, assoUbaye, ccSisteronais, villeBriancon, sasGap, mmeMartin}
	for i, p := range inputs {
		p.in.CarrierID = "1"
		pl, err := p.in.Validate(ix, today)
		if err != nil {
			t.Fatalf("%s: %v", p.slug, err)
		}
		pl.ID, pl.Slug, pl.CarrierID, pl.CarrierName = int64(i+1), p.slug, p.carrier.ID, p.carrier.Name
		pl.CreatedAt, pl.UpdatedAt = updated.AddDate(0, -1, 0), updated
		ps = append(ps, pl)
	}
	return ps, carriers
}

func TestRows_MapsAPlaceToTheStandard(t *testing.T) {
	ix := communes(t)
	ps, carriers := network(t, ix)
	rows := Rows(Sources(ps, carriers), ix, baseURL, today)
	if len(rows) != len(ps)-1 {
		t.Fatalf("got %d rows, want %d: every place but the closed one", len(rows), len(ps)-1)
	}
	want := Row{
		ID: "coopconnect-espace-numerique-forcalquier", Pivot: "21040088300015", Nom: "Espace numérique de Forcalquier",
		Commune: "Forcalquier", CodePostal: "04300", CodeINSEE: "04088", Adresse: "4 avenue de l'Observatoire",
		Latitude: "43.9598", Longitude: "5.7806", Typologie: "EPN|MUNI", Telephone: "+33492750000",
		Courriels: "epn@forcalquier.example.fr", SiteWeb: "https://coop.example.org/lieux/espace-numerique-forcalquier",
		Horaires:           "Mo-Fr 09:00-12:00,14:00-17:30; PH off",
		PresentationResume: "L'espace public numérique de la mairie, pour apprendre et faire ses démarches",
		PresentationDetail: "Des ordinateurs en libre accès & un médiateur « Conseiller numérique ».\nAteliers le mardi.\n\nTarifs : Gratuit",
		Source:             "Coop-connect", Itinerance: "Fixe", StructureParente: "Commune de Forcalquier", DateMaj: "2025-04-01",
		Services:                "Maîtrise des outils numériques du quotidien|Accès internet et matériel informatique",
		PriseEnChargeSpecifique: "Handicaps moteurs", FraisACharge: "Gratuit",
		ModalitesAcces:          "Se présenter|Téléphoner|Contacter par mail",
		ModalitesAccompagnement: "En autonomie|Accompagnement individuel",
	}
	if rows[0] != want {
		for i, name := range FieldNames() {
			if g, w := rows[0].Cells()[i], want.Cells()[i]; g != w {
				t.Errorf("%s = %q, want %q", name, g, w)
			}
		}
	}
	byID := map[string]Row{}
	for _, r := range rows {
		byID[r.ID] = r
	}
	for _, tc := range []struct{ id, field, want string }{
		{"coopconnect-ecow-barcelonnette", "pivot", "W041000123"}, // an association without SIRET: its RNA number
		{"coopconnect-ecow-barcelonnette", "typologie", "TIERS_LIEUX|ASSO"},
		{"coopconnect-ecow-barcelonnette", "telephone", "+33492810000"},
		{"coopconnect-ecow-barcelonnette", "courriels", "bonjour@ecow.example.fr"},
		{"coopconnect-ecow-barcelonnette", "site_web", "https://ecow.example.fr/|https://coop.example.org/lieux/ecow-barcelonnette"},
		{"coopconnect-ecow-barcelonnette", "latitude", "44.37512"}, // no coordinates typed: the commune's
		{"coopconnect-ecow-barcelonnette", "frais_a_charge", "Payant"},
		{"coopconnect-ecow-barcelonnette", "services", "Accès internet et matériel informatique"},
		{"coopconnect-pepiniere-sisteron", "pivot", "200068765"}, // only a SIREN
		{"coopconnect-pepiniere-sisteron", "typologie", "EPCI"},
		{"coopconnect-pepiniere-sisteron", "telephone", ""}, // a digit short: left out
		{"coopconnect-pepiniere-sisteron", "modalites_acces", ""},
		{"coopconnect-pepiniere-sisteron", "frais_a_charge", "Gratuit sous condition|Payant"},
		{"coopconnect-mediatheque-briancon", "typologie", "BIB|MUNI"},
		{"coopconnect-mediatheque-briancon", "telephone", "+33612345678"},
		{"coopconnect-mediatheque-briancon", "presentation_detail", ""},
		{"coopconnect-bureaux-gap-centre", "typologie", ""},
		{"coopconnect-bureaux-gap-centre", "code_postal", "05000"},
		{"coopconnect-atelier-digne", "pivot", NoPivot}, // a person's place: no identifier
		{"coopconnect-atelier-digne", "services", ""},
		{"coopconnect-atelier-digne", "modalites_accompagnement", ""},
	} {
		r, ok := byID[tc.id]
		if !ok {
			t.Fatalf("no row %s", tc.id)
		}
		if got := r.Get(tc.field); got != tc.want {
			t.Errorf("%s: %s = %q, want %q", tc.id, tc.field, got, tc.want)
		}
	}
}

// TestRows_ExportIsValidAgainstTheSchemaFile validates the export of the
// network with the Go schema and with the constraints read from the file.
func TestRows_ExportIsValidAgainstTheSchemaFile(t *testing.T) {
	ix := communes(t)
	ps, carriers := network(t, ix)
	rows := Rows(Sources(ps, carriers), ix, baseURL, today)
	if p := Validate(rows); p != nil {
		t.Errorf("Validate(export) = %v", p)
	}
	_, file := loadSchema(t)
	v, err := compile(file)
	if err != nil {
		t.Fatal(err)
	}
	var records [][]string
	for _, r := range rows {
		records = append(records, r.Cells())
	}
	if p := v.validate(records); p != nil {
		t.Errorf("the file's constraints: %v", p)
	}
}

func TestWriteCSV_HeaderAndCells(t *testing.T) {
	ix := communes(t)
	ps, carriers := network(t, ix)
	rows := Rows(Sources(ps, carriers), ix, baseURL, today)
	var buf bytes.Buffer
	if err := WriteCSV(&buf, rows); err != nil {
		t.Fatal(err)
	}
	if bytes.HasPrefix(buf.Bytes(), []byte("\uFEFF")) {
		t.Error("the CSV starts with a BOM")
	}
	records, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(records[0], FieldNames()) {
		t.Errorf("header %q", records[0])
	}
	if len(records) != len(rows)+1 {
		t.Fatalf("got %d records, want %d", len(records), len(rows)+1)
	}
	for i, r := range rows {
		if !slices.Equal(records[i+1], r.Cells()) {
			t.Errorf("record %d\n got %q\nwant %q", i+1, records[i+1], r.Cells())
		}
	}
}

func TestWriteJSON_ArraysNumbersAndAbsentFields(t *testing.T) {
	ix := communes(t)
	ps, carriers := network(t, ix)
	rows := Rows(Sources(ps, carriers), ix, baseURL, today)
	var buf bytes.Buffer
	if err := WriteJSON(&buf, rows); err != nil {
		t.Fatal(err)
	}
	var got []map[string]any
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatalf("%v\n%s", err, buf.String())
	}
	if len(got) != len(rows) {
		t.Fatalf("got %d objects, want %d", len(got), len(rows))
	}
	first := got[0]
	if lat, ok := first["latitude"].(float64); !ok || lat != 43.9598 {
		t.Errorf("latitude = %#v, want the number 43.9598", first["latitude"])
	}
	if s, ok := first["services"].([]any); !ok || len(s) != 2 || s[0] != "Maîtrise des outils numériques du quotidien" {
		t.Errorf("services = %#v, want an array of 2", first["services"])
	}
	if c, ok := first["courriels"].([]any); !ok || len(c) != 1 {
		t.Errorf("courriels = %#v, want an array of 1", first["courriels"])
	}
	for _, absent := range []string{"complement_adresse", "publics_specifiquement_adresses", "prise_rdv"} {
		if _, ok := first[absent]; ok {
			t.Errorf("%s is present though empty", absent)
		}
	}
	if first["date_maj"] != "2025-04-01" || first["presentation_detail"] != rows[0].PresentationDetail {
		t.Errorf("date_maj %v, presentation_detail %q", first["date_maj"], first["presentation_detail"])
	}
	// The fields keep the schema's order, and "&" is written as is.
	line := strings.Split(buf.String(), "\n")[1]
	if !strings.HasPrefix(line, `{"id":"coopconnect-espace-numerique-forcalquier","pivot":`) || !strings.Contains(line, "libre accès & un") {
		t.Errorf("first object: %s", line)
	}
	if i, j := strings.Index(line, `"date_maj"`), strings.Index(line, `"services"`); i < 0 || j < i {
		t.Errorf("date_maj should come before services: %s", line)
	}
	buf.Reset()
	if err := WriteJSON(&buf, nil); err != nil || buf.String() != "[]\n" {
		t.Errorf("no rows: %q, %v", buf.String(), err)
	}
	if err := WriteJSON(&buf, []Row{{ID: "x", Latitude: "nord"}}); err == nil {
		t.Error("a latitude that is not a number was written")
	}
}

func TestStandardPhone(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"04 92 61 00 00", "+33492610000"},
		{"04.92.61.00.00", "+33492610000"},
		{"+33 4 92 61 00 00", "+33492610000"},
		{"+33 (0)4 92 61 00 00", "+33492610000"},
		{"0033 4 92 61 00 00", "+33492610000"},
		{"06 12 34 56 78", "+33612345678"},
		{"0800 123 456", "+33800123456"},
		{"0590 12 34 56", "+590590123456"}, // Guadeloupe
		{"0690 12 34 56", "+590690123456"},
		{"0594 12 34 56", "+594594123456"}, // Guyane
		{"0596 12 34 56", "+596596123456"}, // Martinique
		{"0262 12 34 56", "+262262123456"}, // La Réunion
		{"0269 61 23 45", "+262269612345"}, // Mayotte
		{"+687 12 34 56", "+687123456"},    // Nouvelle-Calédonie
		{"+32 2 123 45 67", ""},            // Belgium: not in the standard
		{"3949", ""},
		{"", ""},
	} {
		if got := StandardPhone(tc.in); got != tc.want {
			t.Errorf("StandardPhone(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	for _, tc := range []struct{ in, want string }{
		{"+33492610000", "04 92 61 00 00"},
		{"+590590123456", "05 90 12 34 56"},
		{"+687123456", "+687123456"},
		{" 04 92 61 00 00 ", "04 92 61 00 00"},
	} {
		if got := NationalPhone(tc.in); got != tc.want {
			t.Errorf("NationalPhone(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
