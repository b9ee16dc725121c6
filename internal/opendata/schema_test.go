package opendata

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"coopconnect/internal/testkit"
)

// sharedData returns the path of a file of ../shared/data, next to the
// module's root; the test is skipped (failed under CI) without it.
func sharedData(t *testing.T, name string) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		up := filepath.Dir(dir)
		if up == dir {
			t.Fatal("go.mod not found")
		}
		dir = up
	}
	path := filepath.Join(dir, "..", "shared", "data", name)
	if _, err := os.Stat(path); err != nil {
		testkit.SkipOrFail(t, "the shared data file is missing: "+err.Error())
	}
	return path
}

// schemaFile is the part of the standard's TableSchema file the tests read.
type schemaFile struct {
	Name       string                       `json:"name"`
	Version    string                       `json:"version"`
	URI        string                       `json:"uri"`
	PrimaryKey string                       `json:"primaryKey"`
	Licenses   []struct{ Name string }      `json:"licenses"`
	Fields     []map[string]json.RawMessage `json:"fields"`
	Missing    []string                     `json:"missingValues"`
}

// loadSchema reads the standard's schema file and turns its fields into
// Fields, failing on any keyword this package does not interpret.
func loadSchema(t *testing.T) (schemaFile, []Field) {
	t.Helper()
	b, err := os.ReadFile(sharedData(t, "lieux-mediation-numerique-schema-v1.0.2.json"))
	if err != nil {
		t.Fatal(err)
	}
	var sf schemaFile
	if err := json.Unmarshal(b, &sf); err != nil {
		t.Fatal(err)
	}
	var fields []Field
	for i, raw := range sf.Fields {
		var f Field
		str := func(key string) string {
			var s string
			if v, ok := raw[key]; ok {
				if err := json.Unmarshal(v, &s); err != nil {
					t.Fatalf("field %d: %s: %v", i, key, err)
				}
			}
			return s
		}
		for key := range raw {
			switch key {
			case "name", "title", "description", "example", "type", "format", "constraints":
			default:
				t.Errorf("field %d (%s): keyword %q is not interpreted by this package", i, str("name"), key)
			}
		}
		f.Name, f.Title, f.Type, f.Format = str("name"), str("title"), str("type"), str("format")
		// The standard says in words which fields hold several values
		// separated by "|": in the description or by its example.
		f.List = strings.Contains(str("description"), "`|`") || strings.Contains(str("example"), "|")
		if c, ok := raw["constraints"]; ok {
			var m map[string]json.RawMessage
			if err := json.Unmarshal(c, &m); err != nil {
				t.Fatal(err)
			}
			for key, v := range m {
				var err error
				switch key {
				case "required":
					err = json.Unmarshal(v, &f.Constraints.Required)
				case "unique":
					err = json.Unmarshal(v, &f.Constraints.Unique)
				case "minLength":
					err = json.Unmarshal(v, &f.Constraints.MinLength)
				case "maxLength":
					err = json.Unmarshal(v, &f.Constraints.MaxLength)
				case "pattern":
					err = json.Unmarshal(v, &f.Constraints.Pattern)
				case "enum":
					var values []any
					err = json.Unmarshal(v, &values)
					for _, e := range values {
						f.Constraints.Enum = append(f.Constraints.Enum, fmt.Sprint(e))
					}
				case "minimum", "maximum":
					s := strings.Trim(string(v), `"`)
					if key == "minimum" {
						f.Constraints.Minimum = s
					} else {
						f.Constraints.Maximum = s
					}
				default:
					t.Errorf("field %s: constraint %q is not interpreted by this package", f.Name, key)
				}
				if err != nil {
					t.Fatalf("field %s: %s: %v", f.Name, key, err)
				}
			}
		}
		fields = append(fields, f)
	}
	return sf, fields
}

func TestSchema_IsTheStandardFileFieldByField(t *testing.T) {
	sf, file := loadSchema(t)
	if sf.Name != SchemaName || sf.Version != SchemaVersion || sf.URI != SchemaURI {
		t.Errorf("schema %s %s %s, want %s %s %s", sf.Name, sf.Version, sf.URI, SchemaName, SchemaVersion, SchemaURI)
	}
	if len(sf.Licenses) != 1 || sf.Licenses[0].Name != SchemaLicense {
		t.Errorf("licenses %v, want %s", sf.Licenses, SchemaLicense)
	}
	if sf.Missing != nil {
		t.Errorf("missingValues %q: the validator knows only the default, the empty string", sf.Missing)
	}
	var names []string
	for _, f := range file {
		names = append(names, f.Name)
	}
	if got := FieldNames(); !slices.Equal(got, names) {
		t.Fatalf("field names\n got %q\nwant %q", got, names)
	}
	if len(schema) != 32 {
		t.Errorf("got %d fields, want the standard's 32", len(schema))
	}
	for i, want := range file {
		got := schema[i]
		if got.Format == "" {
			got.Format = want.Format // "" and "default" mean the same; compare what the file says
		}
		if g, w := fmt.Sprintf("%+v", flat(got)), fmt.Sprintf("%+v", flat(want)); g != w {
			t.Errorf("field %s\n got %s\nwant %s", want.Name, g, w)
		}
	}
	// The primary key is unique and required.
	if i := slices.Index(names, sf.PrimaryKey); i < 0 || !schema[i].Constraints.Required || !schema[i].Constraints.Unique {
		t.Errorf("primary key %q is not a required, unique field", sf.PrimaryKey)
	}
	// Every Row field is tied to one schema field.
	seen := map[*string]string{}
	var r Row
	for _, name := range FieldNames() {
		f, ok := cellOf[name]
		if !ok {
			t.Fatalf("no Row field for %s", name)
		}
		if other, dup := seen[f(&r)]; dup {
			t.Errorf("%s and %s share a Row field", name, other)
		}
		seen[f(&r)] = name
	}
	if len(cellOf) != len(schema) {
		t.Errorf("cellOf has %d entries, want %d", len(cellOf), len(schema))
	}
}

// flat prints a field with its pointers' values.
func flat(f Field) map[string]any {
	n := func(p *int) any {
		if p == nil {
			return nil
		}
		return *p
	}
	c := f.Constraints
	return map[string]any{
		"name": f.Name, "title": f.Title, "type": f.Type, "format": f.Format, "list": f.List,
		"required": c.Required, "unique": c.Unique, "minLength": n(c.MinLength), "maxLength": n(c.MaxLength),
		"pattern": c.Pattern, "enum": c.Enum, "minimum": c.Minimum, "maximum": c.Maximum,
	}
}

// TestSchema_EnumerationsAreThePatternsAlternatives checks the value lists
// the export uses against the patterns they come from.
func TestSchema_EnumerationsAreThePatternsAlternatives(t *testing.T) {
	_, file := loadSchema(t)
	lists := map[string][]string{
		"services": servicesValues, "publics_specifiquement_adresses": publicsValues,
		"prise_en_charge_specifique": priseEnChargeValues, "frais_a_charge": fraisValues,
		"itinerance": itineranceValues, "modalites_acces": modalitesAccesValues,
		"modalites_accompagnement": modalitesAccompagnementValues,
	}
	// The standard's list patterns are (?:(?:^|\|)(A|B|…))+$.
	shape := regexp.MustCompile(`^\(\?:\(\?:\^\|\\\|\)\((.*)\)\)\+\$$`)
	unescape := strings.NewReplacer(`\(`, "(", `\)`, ")")
	for _, f := range file {
		m := shape.FindStringSubmatch(f.Constraints.Pattern)
		if m == nil {
			if _, ok := lists[f.Name]; ok {
				t.Errorf("%s: pattern %q is not a list of values", f.Name, f.Constraints.Pattern)
			}
			continue
		}
		if !f.List {
			t.Errorf("%s: a list pattern on a single-valued field", f.Name)
		}
		want, ok := lists[f.Name]
		if !ok {
			continue // dispositifs and labels: nothing of ours maps to them
		}
		var alts []string
		for a := range strings.SplitSeq(m[1], "|") {
			alts = append(alts, unescape.Replace(a))
		}
		if !slices.Equal(alts, want) {
			t.Errorf("%s: values\n got %q\nwant %q", f.Name, want, alts)
		}
		r := RowOf(nil)
		*cellOf[f.Name](&r) = strings.Join(want, ListSeparator)
		r.ID, r.Pivot, r.Nom, r.Commune, r.CodePostal, r.Adresse, r.DateMaj = "x", "123456789", "x", "x", "04300", "x", "2024-01-01"
		if p := Validate([]Row{r}); p != nil {
			t.Errorf("%s: every value at once is refused: %v", f.Name, p)
		}
	}
}

// exampleRow reads the standard's valid example.
func exampleRow(t *testing.T) Row {
	t.Helper()
	f, err := os.Open(sharedData(t, "lieux-mediation-numerique-exemple-valide.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	records, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(records) != 2 {
		t.Fatalf("got %d records, want a header and a row", len(records))
	}
	if !slices.Equal(records[0], FieldNames()) {
		t.Fatalf("example header %q, want %q", records[0], FieldNames())
	}
	return RowOf(records[1])
}

func TestValidate_TheStandardsExampleIsValid(t *testing.T) {
	r := exampleRow(t)
	if p := Validate([]Row{r}); p != nil {
		t.Errorf("Validate(example) = %v, want no problem", p)
	}
	_, file := loadSchema(t)
	v, err := compile(file)
	if err != nil {
		t.Fatal(err)
	}
	if p := v.validate([][]string{r.Cells()}); p != nil {
		t.Errorf("the file's own constraints: %v, want no problem", p)
	}
}

// TestValidate_EnforcesEveryConstraintOfTheFile breaks, one at a time,
// every constraint the schema file states, in the valid example, and
// expects Validate to report exactly that.
func TestValidate_EnforcesEveryConstraintOfTheFile(t *testing.T) {
	base := exampleRow(t)
	_, file := loadSchema(t)
	checked := 0
	for _, f := range file {
		type breach struct{ constraint, value string }
		var breaches []breach
		c := f.Constraints
		if c.Required {
			breaches = append(breaches, breach{"required", ""})
		}
		switch f.Type {
		case "number", "integer", "date", "datetime", "time", "year", "boolean":
			breaches = append(breaches, breach{"type", "pas-un-" + f.Type})
		case "string":
		default:
			t.Errorf("%s: no breach written for type %s", f.Name, f.Type)
		}
		if c.Pattern != "" {
			breaches = append(breaches, breach{"pattern", "§ hors motif §"})
		}
		if c.MaxLength != nil {
			breaches = append(breaches, breach{"maxLength", strings.Repeat("a", *c.MaxLength+1)})
		}
		if c.MinLength != nil && *c.MinLength > 1 {
			breaches = append(breaches, breach{"minLength", "a"})
		}
		if c.Enum != nil {
			breaches = append(breaches, breach{"enum", "§ hors liste §"})
		}
		if c.Minimum != "" || c.Maximum != "" {
			t.Errorf("%s: no breach written for minimum/maximum", f.Name)
		}
		for _, b := range breaches {
			r := base
			*cellOf[f.Name](&r) = b.value
			want := []Problem{{Row: 1, Field: f.Name, Constraint: b.constraint, Value: b.value}}
			if got := Validate([]Row{r}); !slices.Equal(got, want) {
				t.Errorf("%s = %q: got %v, want %v", f.Name, b.value, got, want)
			}
			checked++
		}
		if c.Unique {
			rows := []Row{base, base}
			want := []Problem{{Row: 2, Field: f.Name, Constraint: "unique", Value: base.Get(f.Name)}}
			if got := Validate(rows); !slices.Equal(got, want) {
				t.Errorf("%s twice: got %v, want %v", f.Name, got, want)
			}
			checked++
		}
	}
	if checked < 20 {
		t.Errorf("only %d breaches tried", checked)
	}
}

func TestValidate_InvalidRows(t *testing.T) {
	base := exampleRow(t)
	for _, tc := range []struct {
		name  string
		edit  func(*Row)
		field string
		rule  string
	}{
		{"telephone in national form", func(r *Row) { r.Telephone = "0492610000" }, "telephone", "pattern"},
		{"telephone with spaces", func(r *Row) { r.Telephone = "+33 4 92 61 00 00" }, "telephone", "pattern"},
		{"four-digit postal code", func(r *Row) { r.CodePostal = "4300" }, "code_postal", "pattern"},
		{"INSEE code of a département 20", func(r *Row) { r.CodeINSEE = "20004" }, "code_insee", "pattern"},
		{"latitude with a comma", func(r *Row) { r.Latitude = "44,04" }, "latitude", "type"},
		{"date in French", func(r *Row) { r.DateMaj = "02/04/2024" }, "date_maj", "type"},
		{"impossible date", func(r *Row) { r.DateMaj = "2024-02-30" }, "date_maj", "type"},
		{"service not in the list", func(r *Row) { r.Services = "Maîtrise des outils numériques du quotidien|Coworking" }, "services", "pattern"},
		{"services separated by ;", func(r *Row) {
			r.Services = "Maîtrise des outils numériques du quotidien;Loisirs et créations numériques"
		}, "services", "pattern"},
		{"empty item in a list", func(r *Row) { r.FraisACharge = "Gratuit||Payant" }, "frais_a_charge", "pattern"},
		{"itinerance lower case", func(r *Row) { r.Itinerance = "fixe" }, "itinerance", "pattern"},
		{"pivot too short", func(r *Row) { r.Pivot = "12345678" }, "pivot", "pattern"},
		{"pivot with spaces", func(r *Row) { r.Pivot = "434 933 123 00029" }, "pivot", "pattern"},
		{"summary of 281 characters", func(r *Row) { r.PresentationResume = strings.Repeat("é", 281) }, "presentation_resume", "maxLength"},
		{"no name", func(r *Row) { r.Nom = "" }, "nom", "required"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := base
			tc.edit(&r)
			got := Validate([]Row{r})
			if len(got) != 1 || got[0].Field != tc.field || got[0].Constraint != tc.rule {
				t.Errorf("got %v, want one %s problem on %s", got, tc.rule, tc.field)
			}
		})
	}
	// 280 characters, accented, are fine: the length is in characters.
	r := base
	r.PresentationResume = strings.Repeat("é", 280)
	if p := Validate([]Row{r}); p != nil {
		t.Errorf("280 characters: %v", p)
	}
}

// TestCompile_InterpretsEveryTableSchemaType runs the interpreter on a
// schema of every type and constraint the standard does not use (yet).
func TestCompile_InterpretsEveryTableSchemaType(t *testing.T) {
	v, err := compile([]Field{
		{Name: "n", Type: "integer", Constraints: Constraints{Minimum: "1", Maximum: "10"}},
		{Name: "b", Type: "boolean"},
		{Name: "d", Type: "date", Format: "%d/%m/%Y", Constraints: Constraints{Minimum: "01/01/2020"}},
		{Name: "t", Type: "datetime"},
		{Name: "e", Type: "string", Format: "email", Constraints: Constraints{Enum: []string{"a@b.fr", "c@d.fr"}}},
		{Name: "s", Type: "string", Constraints: Constraints{MinLength: intp(2)}},
		{Name: "x", Type: "number", Constraints: Constraints{Maximum: "1.5"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	ok := []string{"5", "TRUE", "31/12/2024", "2024-04-02T10:00:00+02:00", "a@b.fr", "ab", "-1e3"}
	if p := v.validate([][]string{ok}); p != nil {
		t.Errorf("valid record: %v", p)
	}
	bad := [][]string{
		{"11", "oui", "31/12/2019", "2024-04-02 10:00", "x@y.fr", "a", "1.6"},
		{"2.5", "", "2024-12-31", "", "pas une adresse", "", "abc"},
	}
	var got []string
	for _, p := range v.validate(bad) {
		got = append(got, fmt.Sprintf("%d %s %s", p.Row, p.Field, p.Constraint))
	}
	want := []string{
		"1 n maximum", "1 b type", "1 d minimum", "1 t type", "1 e enum", "1 s minLength", "1 x maximum",
		"2 n type", "2 d type", "2 e type", "2 x type",
	}
	if !slices.Equal(got, want) {
		t.Errorf("problems\n got %q\nwant %q", got, want)
	}
	for _, f := range []Field{{Name: "g", Type: "geopoint"}, {Name: "p", Type: "string", Constraints: Constraints{Pattern: `(?=a)`}}, {Name: "d", Type: "date", Format: "%B"}} {
		if _, err := compile([]Field{f}); err == nil {
			t.Errorf("compile(%+v) accepted what the validator cannot check", f)
		}
	}
}
