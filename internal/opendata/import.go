package opendata

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"io"
	"maps"
	"math"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"coopconnect/internal/coop"
	"coopconnect/internal/places"
	"coopconnect/internal/territory"
)

// MaxImportBytes bounds the size of an imported file: the national network
// of 3,500 tiers-lieux fits in a few megabytes.
const MaxImportBytes = 20 << 20

// Candidate is a row of an imported file, turned into the place form.
type Candidate struct {
	// Line is where the row starts in the file; the header is line 1.
	Line  int
	Input places.PlaceInput
	// Key identifies the place across imports of the same source, so that
	// importing a file again changes nothing: the standard's id (our own
	// export's are "coopconnect-" and the slug), "cget2019-" and the
	// census's ID, or, for a row without an id, "h-" and a hash of its
	// name and commune.
	Key string
	// Problems maps a field of the place form (name, address, commune,
	// postal_code, lat, website…; "row" for the row as a whole, "key" for
	// its identity) to the message key of its problem; empty when the row
	// can be imported.
	Problems map[string]string
	// ProblemArgs holds the arguments of the messages that take some.
	ProblemArgs map[string][]any

	// communeCodes are INSEE codes to try, in order, before the commune's
	// name in Input.Commune; department, when the file gives it, is where
	// the commune must be.
	communeCodes []string
	department   string
}

// Valid tells whether the row can be imported.
func (c Candidate) Valid() bool { return len(c.Problems) == 0 }

// problem records the first problem of a field, like coop.Problems.
func (c *Candidate) problem(field, key string, args ...any) {
	if _, ok := c.Problems[field]; ok {
		return
	}
	if c.Problems == nil {
		c.Problems = map[string]string{}
	}
	c.Problems[field] = key
	if len(args) > 0 {
		if c.ProblemArgs == nil {
			c.ProblemArgs = map[string][]any{}
		}
		c.ProblemArgs[field] = args
	}
}

// The columns an import needs; the others are optional.
var (
	standardColumns = []string{"nom", "adresse", "commune", "code_postal"}
	cgetColumns     = []string{"id", "nom_tl", "adresse", "cp", "inseecom", "nomcom", "lat", "long"}
)

// ParseStandardCSV reads a CSV file in the standard « Lieux de médiation
// numérique » (comma- or semicolon-separated, UTF-8 or Windows-1252).
// Every row describes a digital mediation place, so an imported place is an
// ERIC (public digital space) unless its typologie says TIERS_LIEUX or
// FABLAB (a tiers-lieu) or BIB (a library); it is open, for every audience
// (the standard's publics are finer groups that our audiences do not
// match). The place's services come back from the standard's: those of
// digital skills give digital_help, « Accès internet et matériel
// informatique » gives desk; « Handicaps moteurs » gives step-free access.
// The first e-mail address and the first website are kept. A summary longer
// than the identity allows (160 characters) opens the description instead.
//
// A file that is not a CSV, or lacks one of the columns nom, adresse,
// commune, code_postal, is refused with an EInvalid *coop.Error.
func ParseStandardCSV(r io.Reader) ([]Candidate, error) {
	return parseRows(r, standardColumns, func(get func(string) string, c *Candidate) {
		description, prices := splitPrices(get("presentation_detail"))
		identity := get("presentation_resume")
		if utf8.RuneCountInString(identity) > identityMax {
			description = strings.TrimSpace(identity + "\n\n" + description)
			identity = ""
		}
		if prices == "" {
			prices = strings.Join(split(get("frais_a_charge")), ", ")
		}
		typologie := split(strings.ToUpper(get("typologie")))
		kind := places.KindERIC
		switch {
		case slices.Contains(typologie, "TIERS_LIEUX"), slices.Contains(typologie, "FABLAB"):
			kind = places.KindTiersLieu
		case slices.Contains(typologie, "BIB"):
			kind = places.KindLibrary
		}
		in := places.PlaceInput{
			Name:         get("nom"),
			Kind:         string(kind),
			Status:       string(places.StatusOpen),
			Audience:     string(places.AudienceBoth),
			Address:      joinNonEmpty(", ", get("adresse"), get("complement_adresse")),
			PostalCode:   padCode(get("code_postal")),
			Commune:      get("commune"),
			Lat:          get("latitude"),
			Lon:          get("longitude"),
			Identity:     identity,
			Description:  description,
			Prices:       prices,
			OpeningHours: get("horaires"),
			ContactEmail: first(split(get("courriels"))),
			ContactPhone: NationalPhone(get("telephone")),
			Website:      website(first(split(get("site_web")))),
		}
		for _, s := range split(get("services")) {
			if code, ok := serviceCode[s]; ok && !slices.Contains(in.Services, code) {
				in.Services = append(in.Services, code)
			}
		}
		if slices.Contains(split(get("prise_en_charge_specifique")), "Handicaps moteurs") {
			in.Equipment = append(in.Equipment, "step_free")
		}
		if code := get("code_insee"); code != "" {
			c.communeCodes = []string{code}
		}
		c.Input = in
		c.Key = get("id")
		if c.Key == "" {
			c.Key = hashKey(in.Name, cmp.Or(get("code_insee"), in.Commune))
		}
	})
}

// parseRows reads a table with the required columns and turns each row
// into a Candidate with fill, then reports incomplete rows and keys met
// twice in the file.
func parseRows(r io.Reader, required []string, fill func(get func(string) string, c *Candidate)) ([]Candidate, error) {
	t, err := readTable(r, required)
	if err != nil {
		return nil, err
	}
	out := make([]Candidate, 0, len(t.rows))
	keys := map[string]int{}
	for _, row := range t.rows {
		c := Candidate{Line: row.line}
		if !row.complete {
			c.problem("row", "opendata.row_columns")
		}
		fill(func(name string) string { return t.get(row, name) }, &c)
		c.checkKey(keys)
		out = append(out, c)
	}
	return out, nil
}

// identityMax is the length PlaceInput.Validate allows the identity.
const identityMax = 160

// serviceCode maps the standard's services back to ours.
var serviceCode = map[string]string{
	"Aide aux démarches administratives":          "digital_help",
	"Maîtrise des outils numériques du quotidien": "digital_help",
	"Insertion professionnelle via le numérique":  "digital_help",
	"Utilisation sécurisée du numérique":          "digital_help",
	"Parentalité et éducation avec le numérique":  "digital_help",
	"Loisirs et créations numériques":             "digital_help",
	"Compréhension du monde numérique":            "digital_help",
	"Accès internet et matériel informatique":     "desk",
}

// splitPrices takes the paragraph « Tarifs : » the export adds back out of
// a presentation_detail.
func splitPrices(detail string) (description, prices string) {
	if p, ok := strings.CutPrefix(detail, tarifs); ok {
		return "", strings.TrimSpace(p)
	}
	if i := strings.LastIndex(detail, "\n\n"+tarifs); i >= 0 {
		return strings.TrimSpace(detail[:i]), strings.TrimSpace(detail[i+2+len(tarifs):])
	}
	return detail, ""
}

// ParseCGET2019 reads the layout of the 2019 national census of tiers-lieux
// (CGET « Mission Coworking », CGET_TiersLieux_2019.csv). Its places are
// tiers-lieux, open; those « à dominante coworking » welcome professionals
// and offer desks, those « à dominante fablab » welcome every audience.
// The typology is kept as the place's identity. The commune is found from
// INSEECOM, then INSEEMETRO (the census gives arrondissements and some
// wrong or missing codes there), each accepted only in the département
// INSEEDEP, then from the name NOMCOM; former communes' codes are accepted
// (see Check). A postal code of 0, which the census uses for unknown ones,
// is taken from the geocoded address GEOCOD when it holds one. The website
// is WEB, else the Facebook page, else the Twitter account.
//
// A file that is not a CSV, or lacks one of the columns ID, NOM_TL,
// ADRESSE, CP, INSEECOM, NOMCOM, LAT, LONG, is refused with an EInvalid
// *coop.Error.
func ParseCGET2019(r io.Reader) ([]Candidate, error) {
	return parseRows(r, cgetColumns, func(get func(string) string, c *Candidate) {
		typo := get("typo")
		fablab := strings.Contains(territory.Normalize(typo), "fablab")
		in := places.PlaceInput{
			Name:       get("nom_tl"),
			Kind:       string(places.KindTiersLieu),
			Status:     string(places.StatusOpen),
			Audience:   string(places.AudienceProfessionals),
			Address:    get("adresse"),
			PostalCode: padCode(get("cp")),
			Commune:    cmp.Or(get("nomcom"), get("cominit")),
			Lat:        get("lat"),
			Lon:        get("long"),
			Identity:   typo,
			Website:    website(cmp.Or(get("web"), get("facebook"), get("twitter"))),
		}
		if fablab {
			in.Audience = string(places.AudienceBoth)
		} else if strings.Contains(territory.Normalize(typo), "coworking") {
			in.Services = []string{"desk"}
		}
		if strings.Trim(in.PostalCode, "0") == "" {
			in.PostalCode = ""
			if m := postalInText.FindAllString(get("geocod"), -1); len(m) > 0 {
				in.PostalCode = m[len(m)-1]
			}
		}
		for _, col := range []string{"inseecom", "inseemetro"} {
			if code := padCode(get(col)); strings.Trim(code, "0") != "" {
				c.communeCodes = append(c.communeCodes, code)
			}
		}
		c.department = padCode(get("inseedep"))
		c.Input = in
		if id := get("id"); id != "" {
			c.Key = "cget2019-" + id
		} else {
			c.Key = hashKey(in.Name, in.Commune)
		}
	})
}

var postalInText = regexp.MustCompile(`\b[0-9]{5}\b`)

// checkKey reports a key met on an earlier row of the file.
func (c *Candidate) checkKey(seen map[string]int) {
	if line, dup := seen[c.Key]; dup {
		c.problem("key", "opendata.duplicate_key", line)
		return
	}
	seen[c.Key] = c.Line
}

// Check validates candidates as the place form does, and returns them with
// the problems found added: the commune is resolved first from the INSEE
// codes the file gives, where territory.Index.Resolve accepts the codes of
// communes merged since (older files have them) and the arrondissements of
// Paris, Lyon and Marseille stand for their commune; then
// places.PlaceInput.Validate runs with a placeholder carrier (the importer
// chooses the carrier); last, coordinates far from the commune are refused,
// as a place is within its commune. Once checked, a candidate's
// Input.Commune is the current INSEE code, so the Input can be checked
// again without the file (the unexported hints are no longer needed).
// Check does not change cands.
func Check(cands []Candidate, communes *territory.Index, today time.Time) []Candidate {
	out := slices.Clone(cands)
	for i := range out {
		c := &out[i]
		c.Problems, c.ProblemArgs = maps.Clone(c.Problems), maps.Clone(c.ProblemArgs)
		if code := c.resolveCommune(communes); code != "" {
			c.Input.Commune = code
		}
		in := c.Input
		in.CarrierID = "1"
		pl, err := in.Validate(communes, today)
		if e := coop.AsError(err); e != nil {
			for _, field := range slices.Sorted(maps.Keys(e.Fields)) {
				if field != "carrier" {
					c.problem(field, e.Fields[field], e.FieldArgs[field]...)
				}
			}
		} else if err != nil {
			c.problem("row", "error.internal")
		}
		if pl.CommuneCode != "" {
			c.Input.Commune, c.Input.PostalCode = pl.CommuneCode, pl.PostalCode
		}
		_, badLat := c.Problems["lat"]
		_, badLon := c.Problems["lon"]
		if cm, ok := communes.Commune(pl.CommuneCode); ok && strings.TrimSpace(in.Lat) != "" && !badLat && !badLon && (cm.Lat != 0 || cm.Lon != 0) {
			// Twice the radius of a disc of the commune's area, and at least
			// 15 km: generous for the communes' odd shapes, and still catches
			// a place in another département or swapped coordinates.
			limit := max(15, 2*math.Sqrt(cm.AreaKm2/math.Pi))
			if d := territory.Haversine(pl.Lat, pl.Lon, cm.Lat, cm.Lon); d > limit {
				c.problem("lat", "opendata.far_from_commune", int(math.Round(d)), cm.Name)
			}
		}
	}
	return out
}

// resolveCommune returns the current INSEE code of the first of the row's
// codes that names a commune (in the row's département, when known).
func (c *Candidate) resolveCommune(ix *territory.Index) string {
	for _, code := range c.communeCodes {
		code = strings.ToUpper(padCode(code))
		cm, ok := ix.Resolve(code)
		if !ok {
			cm, ok = ix.Resolve(municipalityOf(code))
		}
		if ok && (c.department == "" || cm.Department == strings.ToUpper(c.department)) {
			return cm.Code
		}
	}
	return ""
}

// municipalityOf returns the commune of an arrondissement's INSEE code
// (Paris 751xx, Marseille 132xx, Lyon 6938x), or "".
func municipalityOf(code string) string {
	switch {
	case len(code) != 5:
	case code >= "75101" && code <= "75120":
		return "75056"
	case code >= "13201" && code <= "13216":
		return "13055"
	case code >= "69381" && code <= "69389":
		return "69123"
	}
	return ""
}

// padCode restores the leading zero spreadsheets drop from postal and INSEE
// codes ("6088" → "06088", "6" → "06" for a département).
func padCode(s string) string {
	s = strings.TrimSpace(s)
	if (len(s) == 4 || len(s) == 1) && strings.Trim(s, "0123456789") == "" {
		return "0" + s
	}
	return s
}

var bareHost = regexp.MustCompile(`^[a-zA-Z0-9-]+(\.[a-zA-Z0-9-]+)+(/\S*)?$`)

// website completes an address typed without its scheme ("www.exemple.fr"):
// http, which servers that have https redirect.
func website(s string) string {
	s = strings.TrimSpace(s)
	if bareHost.MatchString(s) {
		return "http://" + s
	}
	return s
}

func hashKey(name, commune string) string {
	sum := sha256.Sum256([]byte(territory.Normalize(name) + "|" + territory.Normalize(commune)))
	return "h-" + hex.EncodeToString(sum[:8])
}

func first(values []string) string {
	if len(values) == 0 {
		return ""
	}
	return values[0]
}

func joinNonEmpty(sep string, values ...string) string {
	return strings.Join(slices.DeleteFunc(values, func(s string) bool { return s == "" }), sep)
}

// table is a CSV file read for an import.
type table struct {
	columns map[string]int // lower-case name → index
	rows    []tableRow
}

type tableRow struct {
	line     int
	cells    []string
	complete bool // as many cells as the header
}

func (t *table) get(r tableRow, name string) string {
	if i, ok := t.columns[name]; ok && i < len(r.cells) {
		return strings.TrimSpace(r.cells[i])
	}
	return ""
}

func invalidFile(key string, args ...any) error {
	return coop.Errorf(coop.EInvalid, key, args...)
}

// readTable reads a CSV file whose header must hold the required columns
// (compared without case). Rows left empty are skipped.
func readTable(r io.Reader, required []string) (*table, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxImportBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxImportBytes {
		return nil, invalidFile("opendata.too_big", MaxImportBytes>>20)
	}
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, invalidFile("opendata.empty_file")
	}
	if bytes.IndexByte(data, 0) >= 0 {
		return nil, invalidFile("opendata.not_csv") // a spreadsheet, a PDF, UTF-16 text…
	}
	if !utf8.Valid(data) {
		data = fromWindows1252(data) // what spreadsheets save as « CSV » in France
	}
	cr := csv.NewReader(bytes.NewReader(data))
	cr.Comma = delimiter(data)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return nil, csvError(err)
	}
	t := &table{columns: map[string]int{}}
	for i, name := range header {
		name = strings.ToLower(strings.TrimSpace(name))
		if name == "" {
			continue
		}
		if _, dup := t.columns[name]; dup {
			return nil, invalidFile("opendata.duplicate_column", name)
		}
		t.columns[name] = i
	}
	var missing []string
	for _, name := range required {
		if _, ok := t.columns[name]; !ok {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return nil, invalidFile("opendata.missing_columns", strings.Join(missing, ", "))
	}
	for {
		cells, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, csvError(err)
		}
		if strings.TrimSpace(strings.Join(cells, "")) == "" {
			continue
		}
		line, _ := cr.FieldPos(0)
		t.rows = append(t.rows, tableRow{line: line, cells: cells, complete: len(cells) == len(header)})
	}
	return t, nil
}

func csvError(err error) error {
	if pe, ok := errors.AsType[*csv.ParseError](err); ok {
		return invalidFile("opendata.csv_syntax", pe.StartLine) // where the faulty row starts
	}
	return invalidFile("opendata.not_csv")
}

// delimiter guesses the separator from the header line: a comma, as the
// standard has it, unless the header has none but semicolons (French
// spreadsheets) or tabs.
func delimiter(data []byte) rune {
	line, _, _ := bytes.Cut(data, []byte("\n"))
	if bytes.IndexByte(line, ',') < 0 {
		switch {
		case bytes.IndexByte(line, ';') >= 0:
			return ';'
		case bytes.IndexByte(line, '\t') >= 0:
			return '\t'
		}
	}
	return ','
}

// windows1252 maps the bytes 0x80–0x9F of Windows-1252 to runes; the other
// bytes are the Latin-1 code points.
var windows1252 = [32]rune{
	'€', 0x81, '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', 0x8D, 'Ž', 0x8F,
	0x90, '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', 0x9D, 'ž', 'Ÿ',
}

func fromWindows1252(data []byte) []byte {
	var b bytes.Buffer
	b.Grow(len(data) + len(data)/8)
	for _, c := range data {
		switch {
		case c < 0x80:
			b.WriteByte(c)
		case c < 0xA0:
			b.WriteRune(windows1252[c-0x80])
		default:
			b.WriteRune(rune(c))
		}
	}
	return b.Bytes()
}
