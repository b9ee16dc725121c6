package survey

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"coopconnect/internal/accounts"
	"coopconnect/internal/coop"
	"coopconnect/internal/db"
	"coopconnect/internal/territory"
	"coopconnect/internal/testkit"
)

// The identifying data of the sample exports, which must never be stored.
var importPersonalSamples = []string{"92.184.105.23", "78.243.12.190", "2a01:cb1d", "claire.martin@orange.fr", "jp.roux@free.fr",
	"Jean-Pierre", "Garcia", "114627883201", "431552011", "1836541290", "forcalquier.fr/bulletin", "08:14:07", "09:41:27"}

func importSampleFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// importTestClock is a day after every sample's answers.
func importTestClock() *coop.FixedClock {
	return coop.NewFixedClock(time.Date(2025, 6, 20, 10, 0, 0, 0, time.UTC))
}

// importSurvey is a campaign on the CC Pays Forcalquier et Montagne de Lure
// and Mane (04111), with the default questionnaire, without a database.
func importSurvey(t *testing.T) (*Service, Survey) {
	t.Helper()
	ix, err := territory.Load()
	if err != nil {
		t.Fatal(err)
	}
	s := &Service{Territory: ix, Clock: importTestClock()}
	areas, key := s.parseAreas("240400440, 04111")
	if key != "" {
		t.Fatal(key)
	}
	return s, Survey{ID: 1, Communes: s.communesOf(areas), Version: Version{ID: 1, Number: 1, Questionnaire: Default()}}
}

// importColumn returns the index of the column with that heading (and
// sub-heading, when given).
func importColumn(t *testing.T, tb *Table, header string, sub ...string) int {
	t.Helper()
	for i, c := range tb.Columns {
		if c.Header == header && (len(sub) == 0 || c.Sub == sub[0]) {
			return i
		}
	}
	t.Fatalf("no column %q %v", header, sub)
	return -1
}

func TestParseExport_SamplesAndTheirProposedMapping(t *testing.T) {
	s, sv := importSurvey(t)
	qn := sv.Version.Questionnaire
	type col struct {
		header, sub string
		question    string
		part        string
		values      map[string]string // some values and their proposed targets
	}
	type sample struct {
		file              string
		format, separator string
		bom               bool
		lang              string
		personal          []string // headings dropped as identifying
		dates             []string
		day               string // the first row's day
		columns           []col
		answers           map[int]Answers // some rows (index) and some of their answers
	}
	num := func(f float64) *float64 { return &f }
	samples := []sample{
		{
			file: "surveymonkey_bom.csv", format: FormatSurveyMonkey, separator: ",", bom: true, lang: "en",
			personal: []string{"Respondent ID", "Collector ID", "IP Address", "Email Address", "First Name", "Last Name", "Custom Data 1"},
			dates:    []string{"Start Date", "End Date"}, day: "2025-06-02",
			columns: []col{
				{header: "Dans quelle commune habitez-vous ?", question: "home_commune"},
				{header: "Quelle est votre situation ?", sub: "Response", question: "status",
					values: map[string]string{"Salarié(e) du privé": "employee", "Retraité(e)": "retired", "Étudiant(e), en formation": "student", "En recherche d'emploi": "job_seeker"}},
				{header: "Quelle est votre situation ?", sub: "Other (please specify)", question: "status", part: PartOther},
				// Not quite the label: "… travaillez-vous ou étudiez-vous ?"
				{header: "Dans quelle commune travaillez-vous ?", question: "work_commune"},
				{header: "Comment vous y rendez-vous le plus souvent ?", sub: "Response", question: "commute_mode",
					values: map[string]string{"En voiture, seul(e)": "car", "Je travaille chez moi": "none", "En covoiturage": "carpool"}},
				{header: "Viendriez-vous travailler dans un lieu partagé près de chez vous ?", question: "use_place",
					values: map[string]string{"Non": "no", "Rarement": "rarely", "Oui, quelques fois par mois": "occasional"}},
				{header: "Quels services y chercheriez-vous ? (plusieurs réponses possibles)", sub: "Un poste de travail", question: "services", part: "desk",
					values: map[string]string{"Un poste de travail": TargetTicked}},
				{header: "Quels services y chercheriez-vous ? (plusieurs réponses possibles)", sub: "Des événements, des rencontres", question: "services", part: "events"},
				{header: "Quels services y chercheriez-vous ? (plusieurs réponses possibles)", sub: "Other (please specify)", question: "services", part: PartOther},
				{header: "Des rencontres entre télétravailleurs, indépendants et entrepreneurs du coin vous intéresseraient-elles ?", question: "meetups",
					values: map[string]string{"4": "4", "2": "2"}},
				{header: "Quelle est votre tranche d'âge ?", question: "age", values: map[string]string{"65 ans et plus": "65_plus", "Moins de 25 ans": "under_25"}},
				{header: "Voulez-vous ajouter quelque chose ?", question: "comment"},
			},
			answers: map[int]Answers{
				0: {"home_commune": {Text: "04088"}, "status": {Choices: []string{"employee"}}, "work_commune": {Text: "04112"}, "commute_km": {Number: num(23)},
					"use_place": {Choices: []string{"regular"}}, "services": {Choices: []string{"desk", "fast_connection", "video_booth"}}, "age": {Choices: []string{"35_44"}}},
				// "04300 Forcalquier"; "other" with its text, on both questions.
				2: {"home_commune": {Text: "04088"}, "status": {Choices: []string{OtherCode}, Other: "Agricultrice"},
					"services": {Choices: []string{"meeting_room", "digital_help", OtherCode}, Other: "Un lieu pour vendre en circuit court"}},
				// Mane: two communes bear the name, one in the campaign's territory.
				4: {"home_commune": {Text: "04111"}, "status": {Choices: []string{"job_seeker"}}},
			},
		},
		{
			file: "limesurvey_codes.csv", format: FormatLimeSurvey, separator: ",", lang: "en",
			personal: []string{"id", "seed", "ipaddr", "refurl"},
			dates:    []string{"submitdate", "startdate", "datestamp"}, day: "2025-05-12",
			columns: []col{
				{header: "homecommune", question: "home_commune"},
				{header: "status", question: "status", values: map[string]string{"A1": "employee", "A2": "civil_servant", "A7": "retired", "-oth-": TargetOther}},
				{header: "status[other]", question: "status", part: PartOther},
				{header: "commutekm", question: "commute_km"},
				{header: "employerallows", question: "employer_allows", values: map[string]string{"Y": "yes", "N": "no"}},
				{header: "useplace", question: "use_place", values: map[string]string{"A1": "regular", "A4": "no"}},
				{header: "services[SQ001]", question: "services", part: "desk", values: map[string]string{"Y": TargetTicked}},
				{header: "services[SQ008]", question: "services", part: "events"},
				{header: "services[other]", question: "services", part: PartOther},
				{header: "meetups", question: "meetups", values: map[string]string{"5": "5", "1": "1"}},
				{header: "age", question: "age", values: map[string]string{"A3": "35_44", "A6": "65_plus"}},
			},
			answers: map[int]Answers{
				0: {"status": {Choices: []string{"civil_servant"}}, "commute_mode": {Choices: []string{"walk"}}, "commute_km": {Number: num(1)},
					"employer_allows": {Choices: []string{"yes"}}, "services": {Choices: []string{"desk", "fast_connection", "events"}}},
				1: {"home_commune": {Text: "04104"}, "status": {Choices: []string{OtherCode}, Other: "Saisonnière"}},
				4: {"commute_mode": {Choices: []string{OtherCode}, Other: "Je ne me déplace pas"}},
			},
		},
		{
			file: "limesurvey_textes_pointvirgule.csv", format: FormatLimeSurvey, separator: ";", lang: "fr",
			personal: []string{"ID de la réponse", "Tête de série", "Adresse IP"},
			dates:    []string{"Date de soumission", "Date de début", "Date de la dernière action"}, day: "2025-05-20",
			columns: []col{
				{header: "Dans quelle commune habitez-vous ?", question: "home_commune"},
				{header: "Quelle est votre situation ?", question: "status",
					values: map[string]string{"Fonctionnaire ou agent public": "civil_servant", "Chef·fe d'entreprise": "business_owner", "Autre": TargetOther}},
				{header: "Quelle est votre situation ? [Autre]", question: "status", part: PartOther},
				{header: "Votre employeur permet-il le télétravail ?", question: "employer_allows", values: map[string]string{"En partie, ou pour certains postes": "partly"}},
				{header: "Quels services y chercheriez-vous ? [Un poste de travail]", question: "services", part: "desk", values: map[string]string{"Oui": TargetTicked}},
				{header: "Quels services y chercheriez-vous ? [Autre]", question: "services", part: PartOther},
				{header: "Quel prix pour une journée vous semblerait acceptable ?", question: "price_day",
					values: map[string]string{"De 5 à 10 €": "5_10", "Moins de 5 €": "lt5", "De 10 à 15 €": "10_15"}},
			},
			answers: map[int]Answers{
				0: {"work_commune": {Text: "04070"}, "commute_km": {Number: num(50)}, "employer_allows": {Choices: []string{"partly"}},
					"services": {Choices: []string{"desk", "fast_connection"}}, "price_day": {Choices: []string{"5_10"}}},
				2: {"status": {Choices: []string{OtherCode}, Other: "Artisan d'art"}, "services": {Choices: []string{OtherCode}, Other: "Un atelier partagé"}},
			},
		},
	}
	for _, want := range samples {
		t.Run(want.file, func(t *testing.T) {
			tb, err := ParseExport(importSampleFile(t, want.file))
			if err != nil {
				t.Fatal(err)
			}
			if tb.Format != want.format || tb.Separator != want.separator || tb.BOM != want.bom || tb.Lang != want.lang {
				t.Errorf("format %q, separator %q, BOM %v, lang %q; want %q, %q, %v, %q", tb.Format, tb.Separator, tb.BOM, tb.Lang, want.format, want.separator, want.bom, want.lang)
			}
			for _, h := range want.personal {
				i := importColumn(t, tb, h)
				if tb.Columns[i].Role != RolePersonal {
					t.Errorf("column %q: role %q, want personal", h, tb.Columns[i].Role)
				}
				for _, r := range tb.Rows {
					if r.Cells[i] != "" {
						t.Errorf("column %q keeps %q on line %d", h, r.Cells[i], r.Line)
					}
				}
			}
			for _, h := range want.dates {
				if i := importColumn(t, tb, h); tb.Columns[i].Role != RoleDate {
					t.Errorf("column %q: role %q, want date", h, tb.Columns[i].Role)
				}
			}
			if tb.Rows[0].Day != want.day {
				t.Errorf("first row's day %q, want %q", tb.Rows[0].Day, want.day)
			}
			m := ProposeMapping(tb, qn, 1)
			for _, c := range want.columns {
				var i int
				if c.sub != "" {
					i = importColumn(t, tb, c.header, c.sub)
				} else {
					i = importColumn(t, tb, c.header)
				}
				got := m.Columns[i]
				if got.Question != c.question || got.Part != c.part {
					t.Errorf("column %q %q: proposed %q part %q, want %q part %q", c.header, c.sub, got.Question, got.Part, c.question, c.part)
				}
				for v, target := range c.values {
					if got.Values[v] != target {
						t.Errorf("column %q: value %q proposed as %q, want %q", c.header, v, got.Values[v], target)
					}
				}
			}
			// Every other column is either identifying, a date, technical,
			// or proposed: nothing is left for the user to do.
			pv, rows := s.importConvert(sv, tb, m, "2025-06-20")
			if pv.Bad != 0 || pv.Ready != len(tb.Rows) || len(rows) != len(tb.Rows) {
				t.Fatalf("%d rows ready, %d bad, want all %d ready: %+v", pv.Ready, pv.Bad, len(tb.Rows), pv.Issues)
			}
			for _, w := range pv.Warnings {
				t.Errorf("warning %+v", w)
			}
			for i, want := range want.answers {
				for id, v := range want {
					got := rows[i].Answers[id]
					if fmt.Sprint(got.Choices) != fmt.Sprint(v.Choices) || got.Other != v.Other || got.Text != v.Text ||
						(v.Number != nil && (got.Number == nil || *got.Number != *v.Number)) {
						t.Errorf("row %d (line %d), %s: %+v, want %+v", i, rows[i].Line, id, got, v)
					}
				}
			}
		})
	}
}

func TestParseExport_GuessesOrderAndAsksForACheck(t *testing.T) {
	tb, err := ParseExport(importSampleFile(t, "limesurvey_codes.csv"))
	if err != nil {
		t.Fatal(err)
	}
	m := ProposeMapping(tb, Default(), 1)
	sq := m.Columns[importColumn(t, tb, "services[SQ003]")]
	if sq.Part != "printer" || sq.Guess != "order" {
		t.Errorf("services[SQ003]: part %q guess %q, want the third option by its rank", sq.Part, sq.Guess)
	}
	if st := m.Columns[importColumn(t, tb, "status")]; !st.ValuesByOrder || st.Guess != "code" {
		t.Errorf("status: guess %q, by order %v; want the code, and the answers A1… by their rank", st.Guess, st.ValuesByOrder)
	}
	if hc := m.Columns[importColumn(t, tb, "homecommune")]; hc.Guess != "code" || hc.ValuesByOrder {
		t.Errorf("homecommune: guess %q, by order %v", hc.Guess, hc.ValuesByOrder)
	}
	// A heading close to a label asks for a check; the label itself not.
	sm, err := ParseExport(importSampleFile(t, "surveymonkey_bom.csv"))
	if err != nil {
		t.Fatal(err)
	}
	m = ProposeMapping(sm, Default(), 1)
	if g := m.Columns[importColumn(t, sm, "Dans quelle commune travaillez-vous ?")].Guess; g != "label" {
		t.Errorf("a heading close to a label: guess %q, want label", g)
	}
	if g := m.Columns[importColumn(t, sm, "Dans quelle commune habitez-vous ?")].Guess; g != "" {
		t.Errorf("a heading equal to a label: guess %q, want none", g)
	}
}

func TestParseExport_DatesGiveTheDayOnly(t *testing.T) {
	for _, c := range []struct {
		heads, row, day string
	}{
		// SurveyMonkey in English: US dates, AM/PM.
		{"Respondent ID,End Date,Q\n,,Response\n", "1,03/04/2025 10:15:00 PM,x", "2025-03-04"},
		// In French: day first.
		{"ID du répondant,Date de fin,Q\n,,Réponse\n", "1,03/04/2025 22:15:00,x", "2025-04-03"},
		// A day above 12 settles it whatever the language.
		{"Respondent ID,End Date,Q\n,,Response\n", "1,25/04/2025 22:15,x", "2025-04-25"},
		{"id,submitdate,startdate,q\n", "1,2025-05-12 09:41:27,2025-05-11 23:59:00,x", "2025-05-12"},
		// No submit date: the start date.
		{"Respondent ID,Start Date,Q\n,,Response\n", "1,2025-05-11 23:59:00,x", "2025-05-11"},
		// LimeSurvey's anonymised answers: no day, so the import's.
		{"id,submitdate,q\n", "1,1980-01-01 00:00:00,x", ""},
	} {
		tb, err := ParseExport([]byte(c.heads + c.row + "\n"))
		if err != nil {
			t.Fatalf("%q: %v", c.row, err)
		}
		if got := tb.Rows[0].Day; got != c.day || len(tb.Rows[0].Problems) > 0 {
			t.Errorf("%q: day %q %v, want %q", c.row, got, tb.Rows[0].Problems, c.day)
		}
		if strings.Contains(fmt.Sprint(tb.Rows[0].Cells), ":") {
			t.Errorf("%q: a time is kept: %q", c.row, tb.Rows[0].Cells)
		}
	}
}

func TestParseExport_ColumnsOfAddressesArePersonalWhateverTheirHeading(t *testing.T) {
	tb, err := ParseExport([]byte("id,submitdate,contact,tel,ordi,q,heure\n" +
		"1,2025-05-12 09:41:27,claire.martin@orange.fr,06 12 34 56 78,192.168.1.20,Oui,08:30:00\n" +
		"2,2025-05-12 09:41:27,,+33 4 92 75 10 02,fe80::1c3f:9b2e,Non,\n" +
		"3,2025-05-12 09:41:27,je préfère ne pas la donner,,,Non,\n"))
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []string{RolePersonal, RoleDate, RolePersonal, RolePersonal, RolePersonal, RoleAnswer, RoleAnswer} {
		if tb.Columns[i].Role != want {
			t.Errorf("column %q: %s, want %s", tb.Columns[i].Header, tb.Columns[i].Role, want)
		}
	}
	if got := fmt.Sprint(tb.Rows[0].Cells); got != "[     Oui 08:30:00]" {
		t.Errorf("cells kept: %q", got)
	}
}

func TestParseExport_RowsOfTheWrongWidth(t *testing.T) {
	tb, err := ParseExport([]byte("id,submitdate,q\n1,2025-05-12 09:41:27,x,\n2,2025-05-12 09:41:27,x,y\n3,2025-05-12 09:41:27\n4,2025-05-12 \"09:41\"x,z\n"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range tb.Rows {
		got = append(got, fmt.Sprintf("%d:%d%v", r.Line, r.Width, r.Problems))
	}
	// A trailing empty cell is no problem; a cell more or less is, and so
	// is a misplaced quote.
	if want := "[2:0[] 3:4[] 4:2[] 5:0[survey.import.row_syntax]]"; fmt.Sprint(got) != want {
		t.Errorf("rows %v, want %s", got, want)
	}
}

func TestProposeValues_NotAnsweredIsNoAnswer(t *testing.T) {
	tb, err := ParseExport([]byte("id,submitdate,useplace,commutekm,homecommune,status\n1,2025-05-12 09:41:27,Non,N/A,Lurs,A1\n2,2025-05-12 09:41:27,N/A,12,Lurs,A1\n"))
	if err != nil {
		t.Fatal(err)
	}
	s, sv := importSurvey(t)
	m := ProposeMapping(tb, sv.Version.Questionnaire, 1)
	if v := m.Columns[2].Values; v["N/A"] != TargetEmpty || v["Non"] != "no" {
		t.Errorf("values %v, want N/A as no answer", v)
	}
	pv, rows := s.importConvert(sv, tb, m, "2025-06-20")
	// Row 2 lacks its answer to a required question; row 1's N/A distance
	// is no answer, not a number to refuse.
	if pv.Ready != 1 || pv.Bad != 1 || pv.Issues[0].Line != 3 || len(pv.Issues[0].Issues) != 1 || pv.Issues[0].Issues[0].Question != "use_place" {
		t.Errorf("%+v", pv)
	}
	if len(rows) == 1 && rows[0].Answers["commute_km"].Number != nil {
		t.Errorf("N/A became a distance")
	}
}

func TestParseExport_RefusesWhatIsNotAnExport(t *testing.T) {
	latin1 := []byte("id,submitdate,lastpage,homecommune\n1,2025-05-12 09:41:27,3,Forcalquier\n2,2025-05-12 09:41:27,3,Saint-\xC9tienne-les-Orgues\n")
	many := bytes.NewBufferString("id,submitdate,q\n")
	for i := range MaxImportRows + 1 {
		fmt.Fprintf(many, "%d,2025-05-12 09:41:27,x\n", i)
	}
	for _, c := range []struct {
		name string
		data []byte
		key  string
		args []any
	}{
		{"Windows-1252", latin1, "survey.import.not_utf8", []any{3}},
		{"UTF-16", []byte("\xFF\xFEi\x00d\x00"), "survey.import.utf16", nil},
		{"a workbook", []byte("PK\x03\x04\x14\x00\x06\x00"), "survey.import.spreadsheet", nil},
		{"blank", []byte(" \n\n"), "survey.import.empty", nil},
		{"another CSV", []byte("nom;commune\nA;Forcalquier\n"), "survey.import.unknown_format", nil},
		{"headings only", []byte("Respondent ID,Q\n,Response\n"), "survey.import.no_rows", nil},
		{"too many rows", many.Bytes(), "survey.import.too_many_rows", []any{MaxImportRows + 1, MaxImportRows}},
		{"too big", make([]byte, MaxImportBytes+1), "survey.import.too_big", []any{10}},
	} {
		_, err := ParseExport(c.data)
		e := coop.AsError(err)
		if e == nil || e.Code != coop.EInvalid || e.Message != c.key || fmt.Sprint(e.Args) != fmt.Sprint(c.args) {
			t.Errorf("%s: %v, want %s %v", c.name, err, c.key, c.args)
		}
	}
}

// importFixture is a campaign of a carrier with its manager, on a database.
type importFixture struct {
	s                     *Service
	coord, manager, other accounts.User
	sv                    Survey
}

func newImportFixture(t *testing.T, d *db.DB) *importFixture {
	t.Helper()
	ctx := context.Background()
	ix, err := territory.Load()
	if err != nil {
		t.Fatal(err)
	}
	f := &importFixture{s: &Service{DB: d, Territory: ix, Clock: importTestClock()}}
	var carrier int64
	err = d.Write(ctx, func(tx *db.Tx) error {
		for _, u := range []*accounts.User{&f.coord, &f.manager, &f.other} {
			role := accounts.Manager
			if u == &f.coord {
				role = accounts.Coordinator
			}
			email := fmt.Sprintf("%p@example.fr", u)
			*u = accounts.User{Name: "Compte " + email, Role: role}
			if err := tx.QueryRowContext(ctx, `INSERT INTO users (public_id, email, name, role, password_hash, created_at, updated_at)
				VALUES ($1, $1, $2, $3, 'x', $4, $4) RETURNING id`, email, u.Name, string(role), tx.Now).Scan(&u.ID); err != nil {
				return err
			}
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO carriers (name, kind, created_at, updated_at) VALUES ('CC Pays de Forcalquier', 'epci', $1, $1) RETURNING id`,
			tx.Now).Scan(&carrier); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO carrier_managers (carrier_id, user_id) VALUES ($1, $2)`, carrier, f.manager.ID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	f.sv, err = f.s.Create(ctx, f.coord, Input{Title: "Besoins de tiers-lieux 2025", Privacy: DefaultPrivacy, OpensOn: "2025-05-01", ClosesOn: "2025-07-31",
		Areas: "240400440, 04111", CarrierID: carrier})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// upload uploads a sample file and previews it.
func (f *importFixture) upload(t *testing.T, by accounts.User, name string) (Import, Preview) {
	t.Helper()
	imp, err := f.s.Upload(context.Background(), by, f.sv.PublicID, name, importSampleFile(t, name))
	if err != nil {
		t.Fatalf("upload %s: %v", name, err)
	}
	sv, imp, err := f.s.Import(context.Background(), by, f.sv.PublicID, imp.PublicID)
	if err != nil {
		t.Fatal(err)
	}
	return imp, f.s.Preview(sv, imp)
}

func (f *importFixture) responses(t *testing.T) int {
	t.Helper()
	var n int
	if err := f.s.DB.SQL.QueryRow(`SELECT count(*) FROM survey_responses WHERE survey_id = $1`, f.sv.ID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestImport_BrokenFileListsEveryBadRowAndImportsNothing(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, d *db.DB) {
		f := newImportFixture(t, d)
		before := f.responses(t)
		imp, pv := f.upload(t, f.manager, "limesurvey_casse.csv")
		if pv.Rows != 11 || pv.Ready != 2 || pv.Bad != 9 {
			t.Errorf("%d rows, %d ready, %d bad; want 11, 2, 9", pv.Rows, pv.Ready, pv.Bad)
		}
		want := map[int][]string{
			4:  {"home_commune survey.commune_unknown"},
			5:  {"commute_km survey.number_range"},
			6:  {"status survey.import.value_unmapped"},
			7:  {"use_place survey.required"},
			8:  {" survey.import.row_syntax"},
			9:  {" survey.import.row_columns", "use_place survey.required"},
			10: {" survey.import.row_incomplete", "use_place survey.required"},
			11: {" survey.import.row_date"},
			12: {"telework_now survey.integer_required"},
		}
		var lines []int
		for _, r := range pv.Issues {
			lines = append(lines, r.Line)
			var got []string
			for _, is := range r.Issues {
				got = append(got, is.Question+" "+is.Key)
			}
			if fmt.Sprint(got) != fmt.Sprint(want[r.Line]) {
				t.Errorf("line %d: %q, want %q", r.Line, got, want[r.Line])
			}
		}
		if fmt.Sprint(lines) != "[4 5 6 7 8 9 10 11 12]" {
			t.Errorf("bad lines %v, want 4 to 12", lines)
		}
		for _, r := range pv.Issues {
			for _, is := range r.Issues {
				if r.Line == 4 && is.Value != "Forcalqier" {
					t.Errorf("line 4 shows %q, want the commune as typed", is.Value)
				}
				if r.Line == 9 && is.Key == "survey.import.row_columns" && fmt.Sprint(is.Args) != "[10 15]" {
					t.Errorf("line 9: %v, want 10 columns of 15", is.Args)
				}
			}
		}
		if !slices.ContainsFunc(pv.Warnings, func(w Warning) bool {
			return w.Key == "survey.import.values_unmapped" && w.Question == "status" && w.Count == 1
		}) {
			t.Errorf("warnings %+v lack the status value A9 to associate", pv.Warnings)
		}
		_, err := f.s.Commit(context.Background(), f.manager, f.sv.PublicID, imp.PublicID, pv.Check)
		if e := coop.AsError(err); e == nil || e.Reason != "survey.import.has_problems" || fmt.Sprint(e.Args) != "[9]" {
			t.Fatalf("commit of a broken file: %v", err)
		}
		if after := f.responses(t); after != before {
			t.Errorf("%d answers after a refused import, %d before", after, before)
		}
	})
}

func TestImport_SameFileTwiceIsRefusedWithTheDateOfTheFirst(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, d *db.DB) {
		f := newImportFixture(t, d)
		ctx := context.Background()
		imp, pv := f.upload(t, f.coord, "limesurvey_codes.csv")
		// The same file again before its import: the same upload.
		again, _ := f.upload(t, f.manager, "limesurvey_codes.csv")
		if again.PublicID != imp.PublicID {
			t.Errorf("a second upload of a waiting file made %s, want %s again", again.PublicID, imp.PublicID)
		}
		// A copy of the upload, as if sent at the same moment from another tab.
		twin := newID(10)
		if _, err := d.SQL.Exec(`INSERT INTO survey_imports (public_id, survey_id, format, filename, sha256, data, mapping, created_at)
			SELECT CAST($1 AS TEXT), survey_id, format, filename, sha256, data, mapping, created_at FROM survey_imports WHERE public_id = $2`, twin, imp.PublicID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.Commit(ctx, f.manager, f.sv.PublicID, imp.PublicID, "stale"); coop.AsError(err) == nil || coop.AsError(err).Reason != "survey.import.mapping_changed" {
			t.Errorf("commit with another preview's check: %v", err)
		}
		n, err := f.s.Commit(ctx, f.manager, f.sv.PublicID, imp.PublicID, pv.Check)
		if err != nil || n != 5 {
			t.Fatalf("commit: %d, %v", n, err)
		}
		if got := f.responses(t); got != 5 {
			t.Errorf("%d answers, want 5", got)
		}
		var source string
		var importID, count, kept int64
		if err := d.SQL.QueryRow(`SELECT min(r.source), min(r.import_id), count(*), count(i.data) FROM survey_responses r JOIN survey_imports i ON i.id = r.import_id
			WHERE r.survey_id = $1`, f.sv.ID).Scan(&source, &importID, &count, &kept); err != nil {
			t.Fatal(err)
		}
		if source != SourceImport || importID != imp.ID || count != 5 || kept != 0 {
			t.Errorf("stored as %q from import %d (%d), file kept: %v", source, importID, count, kept != 0)
		}
		list, err := f.s.Imports(ctx, f.coord, f.sv.PublicID)
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range list {
			if x.PublicID == imp.PublicID && (x.ImportedAt == nil || x.Responses != 5) {
				t.Errorf("the import is listed as %+v", x)
			}
		}
		today := Paris(time.Now())
		// The same file once more: refused at the upload, with the day.
		_, err = f.s.Upload(ctx, f.coord, f.sv.PublicID, "encore.csv", importSampleFile(t, "limesurvey_codes.csv"))
		if e := coop.AsError(err); e == nil || e.Fields["file"] != "survey.import.already_imported" || fmt.Sprint(e.FieldArgs["file"]) != "["+today+"]" {
			t.Errorf("upload of an imported file: %v %v", err, e.FieldArgs)
		}
		// The twin: refused at the commit.
		sv, tw, err := f.s.Import(ctx, f.coord, f.sv.PublicID, twin)
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.s.Commit(ctx, f.coord, f.sv.PublicID, twin, f.s.Preview(sv, tw).Check)
		if e := coop.AsError(err); e == nil || e.Code != coop.EConflict || e.Reason != "survey.import.already_imported" || fmt.Sprint(e.Args) != "["+today+"]" {
			t.Errorf("commit of the same file from another upload: %v", err)
		}
		// And the first one again.
		if _, err := f.s.Commit(ctx, f.coord, f.sv.PublicID, imp.PublicID, pv.Check); coop.AsError(err) == nil || coop.AsError(err).Reason != "survey.import.done_already" {
			t.Errorf("commit of an imported upload: %v", err)
		}
		if got := f.responses(t); got != 5 {
			t.Errorf("%d answers after the refusals, want 5", got)
		}
	})
}

func TestImport_PersonalColumnsNeverReachTheDatabase(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, d *db.DB) {
		f := newImportFixture(t, d)
		ctx := context.Background()
		dump := func() string {
			var b strings.Builder
			rows, err := d.SQL.Query(`SELECT COALESCE(data, ''), mapping, filename FROM survey_imports`)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			for rows.Next() {
				var data []byte
				var mapping, name string
				if err := rows.Scan(&data, &mapping, &name); err != nil {
					t.Fatal(err)
				}
				b.Write(data)
				b.WriteString(mapping + name)
			}
			answers, err := d.SQL.Query(`SELECT answers, answered_on, COALESCE(channel, ''), COALESCE(commune_code, '') FROM survey_responses`)
			if err != nil {
				t.Fatal(err)
			}
			defer answers.Close()
			for answers.Next() {
				var a, day, channel, commune string
				if err := answers.Scan(&a, &day, &channel, &commune); err != nil {
					t.Fatal(err)
				}
				b.WriteString(a + day + channel + commune)
			}
			return b.String()
		}
		for _, name := range []string{"surveymonkey_bom.csv", "limesurvey_codes.csv", "limesurvey_textes_pointvirgule.csv"} {
			imp, pv := f.upload(t, f.coord, name)
			stored := dump()
			if !strings.Contains(stored, "Forcalquier") {
				t.Fatalf("%s: the stored table lacks its answers", name)
			}
			for _, p := range importPersonalSamples {
				if strings.Contains(stored, p) {
					t.Errorf("%s: %q is stored with the waiting upload", name, p)
				}
			}
			if _, err := f.s.Commit(ctx, f.coord, f.sv.PublicID, imp.PublicID, pv.Check); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
		}
		stored := dump()
		if !strings.Contains(stored, "Agricultrice") || !strings.Contains(stored, "2025-06-02") {
			t.Fatalf("the answers are not stored: %.200s", stored)
		}
		for _, p := range importPersonalSamples {
			if strings.Contains(stored, p) {
				t.Errorf("%q reached the database", p)
			}
		}
		var n int
		if err := d.SQL.QueryRow(`SELECT count(*) FROM survey_responses WHERE source = 'import' AND length(answered_on) = 10`).Scan(&n); err != nil || n != 15 {
			t.Errorf("%d imported answers with a day, want 15 (%v)", n, err)
		}
	})
}

func TestSaveMapping_ChangesAreCheckedAndValuesProposedAgain(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, d *db.DB) {
		f := newImportFixture(t, d)
		ctx := context.Background()
		imp, pv := f.upload(t, f.coord, "limesurvey_casse.csv")
		tb := imp.Table
		status := importColumn(t, tb, "status")
		ip := importColumn(t, tb, "ipaddr")

		// Someone who does not manage the campaign sees nothing.
		if _, _, err := f.s.Import(ctx, f.other, f.sv.PublicID, imp.PublicID); coop.ErrorCode(err) != coop.ENotFound {
			t.Errorf("another manager reads the upload: %v", err)
		}
		if _, err := f.s.SaveMapping(ctx, f.other, f.sv.PublicID, imp.PublicID, imp.Mapping); coop.ErrorCode(err) != coop.ENotFound {
			t.Errorf("another manager saves a mapping: %v", err)
		}
		if _, err := f.s.Upload(ctx, f.other, f.sv.PublicID, "x.csv", importSampleFile(t, "limesurvey_codes.csv")); coop.ErrorCode(err) != coop.ENotFound {
			t.Errorf("another manager uploads: %v", err)
		}

		// A9 is the retired (the 7th option)… by hand; the IP address
		// cannot be mapped to anything.
		m := imp.Mapping
		m.Columns = slices.Clone(m.Columns)
		m.Columns[status].Values = map[string]string{"A1": "employee", "A2": "civil_servant", "A3": "self_employed", "A7": "retired", "A9": "retired"}
		m.Columns[ip] = ColumnMapping{Question: "comment"}
		saved, err := f.s.SaveMapping(ctx, f.manager, f.sv.PublicID, imp.PublicID, m)
		if err != nil {
			t.Fatal(err)
		}
		if saved.Mapping.Columns[ip].Question != "" {
			t.Errorf("the IP address column is mapped to %q", saved.Mapping.Columns[ip].Question)
		}
		sv, again, err := f.s.Import(ctx, f.coord, f.sv.PublicID, imp.PublicID)
		if err != nil {
			t.Fatal(err)
		}
		if again.Mapping.Columns[status].Values["A9"] != "retired" {
			t.Errorf("the value chosen was not kept: %v", again.Mapping.Columns[status].Values)
		}
		// Line 6 is now a retired who would come every week.
		pv2 := f.s.Preview(sv, again)
		if pv2.Bad != pv.Bad-1 || pv2.Ready != pv.Ready+1 || pv2.Check == pv.Check {
			t.Errorf("after the change: %d bad, %d ready, check %s (was %s)", pv2.Bad, pv2.Ready, pv2.Check, pv.Check)
		}
		for _, r := range pv2.Issues {
			if r.Line == 6 {
				t.Errorf("line 6 is still bad: %+v", r.Issues)
			}
		}

		// The status column moved to the age question: its values are
		// proposed for the age (none fits), not kept from the status.
		m = again.Mapping
		m.Columns = slices.Clone(m.Columns)
		m.Columns[status] = ColumnMapping{Question: "age", Values: map[string]string{"A1": "employee"}}
		saved, err = f.s.SaveMapping(ctx, f.coord, f.sv.PublicID, imp.PublicID, m)
		if err != nil {
			t.Fatal(err)
		}
		if v := saved.Mapping.Columns[status].Values["A1"]; v != "under_25" {
			t.Errorf("A1 moved to the age question is %q, want its first band, proposed anew", v)
		}

		// Two columns for one answer, an option of another question, a
		// part the question has not: refused, next to the columns.
		m = saved.Mapping
		m.Columns = slices.Clone(m.Columns)
		use := importColumn(t, tb, "useplace")
		m.Columns[status] = ColumnMapping{Question: "use_place", Values: map[string]string{}}
		m.Columns[importColumn(t, tb, "services[SQ001]")] = ColumnMapping{Question: "services", Part: "retired"}
		m.Columns[importColumn(t, tb, "comment")] = ColumnMapping{Question: "age", Part: PartOther}
		_, err = f.s.SaveMapping(ctx, f.coord, f.sv.PublicID, imp.PublicID, m)
		e := coop.AsError(err)
		if e == nil || e.Code != coop.EInvalid || e.Fields["col."+strconv.Itoa(status)] != "survey.import.column_twice" ||
			e.Fields["col."+strconv.Itoa(use)] != "survey.import.column_twice" ||
			e.Fields["col."+strconv.Itoa(importColumn(t, tb, "services[SQ001]"))] != "survey.import.column_invalid" ||
			e.Fields["col."+strconv.Itoa(importColumn(t, tb, "comment"))] != "survey.import.column_invalid" {
			t.Errorf("a wrong mapping: %v", err)
		}
	})
}

func TestImport_AQuestionnaireChangeAsksForTheMappingAgain(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, d *db.DB) {
		f := newImportFixture(t, d)
		ctx := context.Background()
		first, pv := f.upload(t, f.coord, "limesurvey_codes.csv")
		if _, err := f.s.Commit(ctx, f.coord, f.sv.PublicID, first.PublicID, pv.Check); err != nil {
			t.Fatal(err)
		}
		// Answers exist: the edit makes version 2.
		qn := Default()
		qn.Questions = slices.DeleteFunc(qn.Questions, func(q Question) bool { return q.ID == "comment" })
		if n, err := f.s.SaveQuestionnaire(ctx, f.coord, f.sv.PublicID, "", qn); err != nil || n != 2 {
			t.Fatalf("version %d, %v", n, err)
		}
		imp, pv := f.upload(t, f.coord, "limesurvey_textes_pointvirgule.csv")
		if imp.Mapping.Version != 2 || imp.Remapped {
			t.Errorf("mapping for version %d (remapped %v), want 2", imp.Mapping.Version, imp.Remapped)
		}
		if _, err := d.SQL.Exec(`UPDATE survey_imports SET mapping = replace(mapping, '"version":2', '"version":1') WHERE public_id = $1`, imp.PublicID); err != nil {
			t.Fatal(err)
		}
		_, stale, err := f.s.Import(ctx, f.coord, f.sv.PublicID, imp.PublicID)
		if err != nil || !stale.Remapped {
			t.Fatalf("a mapping of version 1: remapped %v, %v", stale.Remapped, err)
		}
		if _, err := f.s.Commit(ctx, f.coord, f.sv.PublicID, imp.PublicID, pv.Check); coop.AsError(err) == nil || coop.AsError(err).Reason != "survey.import.mapping_changed" {
			t.Errorf("commit of a mapping made for another version: %v", err)
		}
		saved, err := f.s.SaveMapping(ctx, f.coord, f.sv.PublicID, imp.PublicID, stale.Mapping)
		if err != nil {
			t.Fatal(err)
		}
		sv, saved, err := f.s.Import(ctx, f.coord, f.sv.PublicID, saved.PublicID)
		if err != nil {
			t.Fatal(err)
		}
		n, err := f.s.Commit(ctx, f.coord, f.sv.PublicID, imp.PublicID, f.s.Preview(sv, saved).Check)
		if err != nil || n != 4 {
			t.Fatalf("commit after saving: %d, %v", n, err)
		}
		var v2 int
		if err := d.SQL.QueryRow(`SELECT count(*) FROM survey_responses r JOIN survey_versions v ON v.id = r.version_id WHERE v.number = 2`).Scan(&v2); err != nil || v2 != 4 {
			t.Errorf("%d answers of version 2, want 4 (%v)", v2, err)
		}
	})
}
