// Package build turns the registry sources (npm @etalab/decoupage-administratif,
// INSEE's density grid and the datas.fun communes file) into the compact
// territories file that package territory embeds. It is used by the
// generator (internal/territory/gen) and by the test that keeps the committed
// file up to date; the product never runs it.
//
// The rules (which source wins, how communes merged or restored since the
// sources' year are handled) are written down in docs/data-sources.md.
package build

import (
	"bytes"
	"compress/gzip"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// Format is the first line of the generated file; package territory refuses
// any other.
const Format = "#\tcoopconnect-territories\tv1"

// MaxMissing is how many communes may lack a position, a density level, an
// area or (outside Mayotte) an active population before generation fails.
const MaxMissing = 5

// Paths of the sources, relative to the module root.
const (
	PackageDir = "web/node_modules/@etalab/decoupage-administratif"
	SharedDir  = "../shared/data"
	GridFile   = "insee-grille-densite-7-niveaux-2024.csv"
	FactsFile  = "communes-france-2024-datasfun.csv"
)

// ErrNoSources reports that the source files are not on this machine.
var ErrNoSources = errors.New("territory sources not found")

// restored lists, for each 2024 commune that was split since, the communes
// restored out of it. No source gives their own 2024 facts (the INSEE files
// of 2024 only know the merged commune), so they share the parent's.
// Verified in the COG: Neussargues en Pinatelle (15141, created 2017) was
// dissolved on 1 January 2025; 15141 is now Neussargues-Moissac again.
var restored = map[string][]string{
	"15141": {"15031", "15035", "15047", "15171"},
}

// supplement holds the few facts that datas.fun lacks, taken from data.gouv.fr
// "Communes et villes de France" 2025 edition (Licence Ouverte 2.0), as copied
// in lusokol/Slasherz-backend @ f15f4e767d2c57b479ee7e49d6225a9e19015c10 :
// communes-france-2025.csv. Position: latitude_centre/longitude_centre, or
// latitude_mairie/longitude_mairie where that file has no centre; area:
// superficie_hectare / 100. Each entry must still be needed: generation fails
// otherwise, so the table shrinks when the sources catch up.
type supplement struct {
	lat, lon float64 // 0 when not supplied
	areaKm2  float64 // 0 when not supplied
	what     string
}

var supplements = map[string]supplement{
	// Absent from datas.fun altogether.
	"27676": {lat: 49.201, lon: 1.296, areaKm2: 14.94, what: "centre, area"},
	// Restored in 2024; datas.fun has no coordinates for them.
	"60694": {lat: 49.329, lon: 2.004, what: "mairie"},
	"85165": {lat: 46.798, lon: -1.13, what: "mairie"},
	"85212": {lat: 46.797, lon: -1.152, what: "mairie"},
	// Mayotte: datas.fun has no area.
	"97601": {areaKm2: 12.90, what: "area"},
	"97602": {areaKm2: 30.80, what: "area"},
	"97603": {areaKm2: 35.14, what: "area"},
	"97604": {areaKm2: 13.81, what: "area"},
	"97605": {areaKm2: 8.25, what: "area"},
	"97606": {areaKm2: 25.90, what: "area"},
	"97607": {areaKm2: 37.69, what: "area"},
	"97608": {areaKm2: 6.50, what: "area"},
	"97609": {areaKm2: 20.04, what: "area"},
	"97610": {areaKm2: 27.69, what: "area"},
	"97611": {areaKm2: 42.35, what: "area"},
	"97612": {areaKm2: 15.88, what: "area"},
	"97613": {areaKm2: 21.55, what: "area"},
	"97614": {areaKm2: 18.28, what: "area"},
	"97615": {areaKm2: 4.26, what: "area"},
	"97616": {areaKm2: 10.85, what: "area"},
	"97617": {areaKm2: 34.26, what: "area"},
}

// epciKinds maps the package's EPCI types to ours. MET69 is the Métropole de
// Lyon, a collectivité with a special status that the DGCL lists with the
// EPCI; for the product it is a métropole.
var epciKinds = map[string]string{"CC": "CC", "CA": "CA", "CU": "CU", "METRO": "METRO", "MET69": "METRO"}

// Report says what generation did; the generator prints it.
type Report struct {
	PackageVersion            string
	Communes, EPCIs           int
	Merged                    []string // "code name ← parts" for communes made of several 2024 communes
	Restored                  []string // communes sharing a split 2024 commune's facts
	Supplemented              []string
	Conflicts                 []string // inconsistencies of the package, and how they were resolved
	EstimatedActive           []string // active population estimated from the département's rate
	MissingPosition           []string
	MissingDensity            []string
	MissingArea               []string
	MissingActive             []string
	SkippedOverseasCollective int // zone "com": outside the sources' coverage
}

// String renders the report for a terminal.
func (r Report) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "decoupage-administratif %s: %d communes, %d EPCI (%d communes of overseas collectivities skipped)\n",
		r.PackageVersion, r.Communes, r.EPCIs, r.SkippedOverseasCollective)
	list := func(title string, items []string) {
		fmt.Fprintf(&b, "%s: %d\n", title, len(items))
		for _, s := range items {
			fmt.Fprintf(&b, "  %s\n", s)
		}
	}
	list("made of several 2024 communes", r.Merged)
	list("restored from a split 2024 commune (estimated)", r.Restored)
	list("supplemented from data.gouv 2025", r.Supplemented)
	list("package inconsistencies resolved", r.Conflicts)
	list("active population estimated", r.EstimatedActive)
	list("missing position", r.MissingPosition)
	list("missing density level", r.MissingDensity)
	list("missing area", r.MissingArea)
	list("missing active population", r.MissingActive)
	return b.String()
}

// FindRoot walks up from dir to the directory holding go.mod.
func FindRoot(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("go.mod not found above the working directory")
		}
		dir = parent
	}
}

// CheckSources returns ErrNoSources (wrapped, with the missing path) when a
// source file is absent under root.
func CheckSources(root string) error {
	for _, p := range []string{
		filepath.Join(root, PackageDir, "data", "communes.json"),
		filepath.Join(root, SharedDir, GridFile),
		filepath.Join(root, SharedDir, FactsFile),
	} {
		if _, err := os.Stat(p); errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("%w: %s", ErrNoSources, p)
		} else if err != nil {
			return err
		}
	}
	return nil
}

// Run reads the sources under the module root and returns the gzipped
// territories file. The same sources always give the same bytes.
func Run(root string) ([]byte, Report, error) {
	raw, rep, err := RunRaw(root)
	if err != nil {
		return nil, rep, err
	}
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return nil, rep, err
	}
	// The zero header (no name, no modification time) keeps the output
	// deterministic.
	if _, err := zw.Write(raw); err != nil {
		return nil, rep, err
	}
	if err := zw.Close(); err != nil {
		return nil, rep, err
	}
	return buf.Bytes(), rep, nil
}

// RunRaw is Run without the compression.
func RunRaw(root string) ([]byte, Report, error) {
	if err := CheckSources(root); err != nil {
		return nil, Report{}, err
	}
	s, err := readSources(root)
	if err != nil {
		return nil, Report{}, err
	}
	return s.build()
}

// --- sources ---------------------------------------------------------------

type pkgCommune struct {
	Code        string   `json:"code"`
	Name        string   `json:"nom"`
	Type        string   `json:"type"`
	TNCC        *int     `json:"typeLiaison"`
	Zone        string   `json:"zone"`
	Department  string   `json:"departement"`
	Region      string   `json:"region"`
	PostalCodes []string `json:"codesPostaux"`
	Population  *int     `json:"population"`
	FormerCodes []string `json:"anciensCodes"`
	ChefLieu    string   `json:"chefLieu"`
}

type pkgEPCI struct {
	Code    string `json:"code"`
	Name    string `json:"nom"`
	Type    string `json:"type"`
	Members []struct {
		Code string `json:"code"`
	} `json:"membres"`
}

type pkgDepartment struct {
	Code   string `json:"code"`
	Name   string `json:"nom"`
	Region string `json:"region"`
	Zone   string `json:"zone"`
}

type pkgRegion struct {
	Code string `json:"code"`
	Name string `json:"nom"`
	Zone string `json:"zone"`
}

type gridRow struct {
	level, population int
}

// factRow is one 2024 commune (or arrondissement) of datas.fun.
type factRow struct {
	code             string
	dept             string
	lat, lon         float64
	hasPos           bool
	areaKm2          float64
	hasArea          bool
	active           int
	hasActive        bool
	population2021   int
	parent           string // for arrondissements
	isArrondissement bool
}

type sources struct {
	version     string
	regions     []pkgRegion
	departments []pkgDepartment
	communes    []pkgCommune
	epcis       []pkgEPCI
	grid        map[string]gridRow
	facts       map[string]factRow   // communes of 2024
	arrs        map[string][]factRow // arrondissements by parent commune
}

func readSources(root string) (*sources, error) {
	s := &sources{}
	pkg := filepath.Join(root, PackageDir)
	var meta struct {
		Version string `json:"version"`
	}
	if err := readJSON(filepath.Join(pkg, "package.json"), &meta); err != nil {
		return nil, err
	}
	s.version = meta.Version
	for name, v := range map[string]any{
		"regions.json":      &s.regions,
		"departements.json": &s.departments,
		"communes.json":     &s.communes,
		"epci.json":         &s.epcis,
	} {
		if err := readJSON(filepath.Join(pkg, "data", name), v); err != nil {
			return nil, err
		}
	}
	var err error
	if s.grid, err = readGrid(filepath.Join(root, SharedDir, GridFile)); err != nil {
		return nil, err
	}
	if s.facts, s.arrs, err = readFacts(filepath.Join(root, SharedDir, FactsFile)); err != nil {
		return nil, err
	}
	return s, nil
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// readCSV returns the rows of a CSV file as maps keyed by header names, after
// checking that the wanted columns exist.
func readCSV(path string, want ...string) ([]map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	header, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	header[0] = strings.TrimPrefix(header[0], "\ufeff")
	for _, w := range want {
		if !slices.Contains(header, w) {
			return nil, fmt.Errorf("%s: no column %q", path, w)
		}
	}
	var rows []map[string]string
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		row := make(map[string]string, len(header))
		for i, h := range header {
			row[h] = rec[i]
		}
		rows = append(rows, row)
	}
	return rows, nil
}

func readGrid(path string) (map[string]gridRow, error) {
	rows, err := readCSV(path, "CODGEO", "DENS", "PMUN21")
	if err != nil {
		return nil, err
	}
	grid := make(map[string]gridRow, len(rows))
	for _, r := range rows {
		level, err1 := strconv.Atoi(r["DENS"])
		pop, err2 := strconv.Atoi(r["PMUN21"])
		if err := errors.Join(err1, err2); err != nil || level < 1 || level > 7 {
			return nil, fmt.Errorf("%s: commune %s: bad DENS %q or PMUN21 %q", path, r["CODGEO"], r["DENS"], r["PMUN21"])
		}
		grid[r["CODGEO"]] = gridRow{level: level, population: pop}
	}
	return grid, nil
}

// The datas.fun columns used. pop_15_64_active_2021 is INSEE's P21_ACT1564
// (actifs de 15 à 64 ans: employed plus unemployed); see docs/data-sources.md.
const (
	colCode   = "insee_com"
	colDept   = "insee_dep"
	colType   = "commune_type"
	colParent = "insee_parente"
	colLat    = "lat"
	colLon    = "lng"
	colArea   = "superficie_km2"
	colPop    = "population_2021"
	colPop64  = "pop_15_64_totale_2021"
	colHouses = "menages_2021"
	colActive = "pop_15_64_active_2021"
)

func readFacts(path string) (map[string]factRow, map[string][]factRow, error) {
	rows, err := readCSV(path, colCode, colDept, colType, colParent, colLat, colLon, colArea, colPop, colPop64, colHouses, colActive)
	if err != nil {
		return nil, nil, err
	}
	facts := map[string]factRow{}
	arrs := map[string][]factRow{}
	seenArr := map[string]factRow{}
	for _, r := range rows {
		typ := r[colType]
		if typ != "COM" && typ != "ARM" {
			continue // COMD rows repeat their parent's facts
		}
		f, err := parseFact(r)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", path, err)
		}
		// One row per commune and postal code: the facts must agree.
		if typ == "ARM" {
			if prev, ok := seenArr[f.code]; ok {
				if prev != f {
					return nil, nil, fmt.Errorf("%s: arrondissement %s: rows disagree", path, f.code)
				}
				continue
			}
			seenArr[f.code] = f
			arrs[f.parent] = append(arrs[f.parent], f)
			continue
		}
		if prev, ok := facts[f.code]; ok {
			if prev != f {
				return nil, nil, fmt.Errorf("%s: commune %s: rows disagree", path, f.code)
			}
			continue
		}
		facts[f.code] = f
	}
	return facts, arrs, nil
}

func parseFact(r map[string]string) (factRow, error) {
	f := factRow{code: r[colCode], dept: r[colDept], parent: r[colParent], isArrondissement: r[colType] == "ARM"}
	var errs []error
	num := func(col string) float64 {
		v, err := strconv.ParseFloat(r[col], 64)
		if err != nil {
			errs = append(errs, fmt.Errorf("commune %s: %s %q", f.code, col, r[col]))
		}
		return v
	}
	if r[colLat] != "" && r[colLon] != "" {
		f.lat, f.lon, f.hasPos = num(colLat), num(colLon), true
	}
	if r[colArea] != "" {
		f.areaKm2 = num(colArea)
		f.hasArea = f.areaKm2 > 0
	}
	f.population2021 = int(num(colPop))
	// Communes the 2021 census tables do not describe (restored since,
	// Mayotte) carry 0 for every census count, households included: that is
	// "unknown", not zero (attachFacts keeps the true zeros of the villages
	// with no inhabitants).
	f.active = int(num(colActive))
	f.hasActive = num(colPop64) > 0 || num(colHouses) > 0
	return f, errors.Join(errs...)
}

// --- building ------------------------------------------------------------------

type former struct{ code, name string }

type commune struct {
	code, name      string
	tncc            int
	postalCodes     []string
	dept, epci      string
	population      int
	active          int
	lat, lon, area  float64
	density         int
	estimated       bool
	former          []former
	hasPos, hasArea bool
	hasActive       bool
}

func (s *sources) build() ([]byte, Report, error) {
	rep := Report{PackageVersion: s.version}
	// The overseas collectivities (zone "com": Saint-Pierre-et-Miquelon,
	// Saint-Barthélemy, Polynesia…) are outside INSEE's density grid and
	// datas.fun, and outside any EPCI: they are left out.
	s.regions = slices.DeleteFunc(s.regions, func(r pkgRegion) bool { return r.Zone == "com" })
	s.departments = slices.DeleteFunc(s.departments, func(d pkgDepartment) bool { return d.Zone == "com" })
	regionNames := map[string]string{}
	for _, r := range s.regions {
		regionNames[r.Code] = r.Name
	}
	deptOK := map[string]bool{}
	for _, d := range s.departments {
		if _, ok := regionNames[d.Region]; !ok {
			return nil, rep, fmt.Errorf("département %s: unknown région %s", d.Code, d.Region)
		}
		deptOK[d.Code] = true
	}

	// Current communes of metropolitan France and the overseas départements.
	byCode := map[string]*commune{}
	var communes []*commune
	for _, p := range s.communes {
		if p.Type != "commune-actuelle" {
			continue
		}
		if p.Zone == "com" {
			rep.SkippedOverseasCollective++
			continue
		}
		if !deptOK[p.Department] {
			return nil, rep, fmt.Errorf("commune %s: unknown département %s", p.Code, p.Department)
		}
		if p.TNCC == nil || *p.TNCC < 0 || *p.TNCC > 8 || p.Population == nil || len(p.PostalCodes) == 0 {
			return nil, rep, fmt.Errorf("commune %s %s: missing typeLiaison, population or postal codes", p.Code, p.Name)
		}
		if a := article(*p.TNCC); a != "" && !strings.HasPrefix(p.Name, a) {
			return nil, rep, fmt.Errorf("commune %s %q: name does not start with its article %q", p.Code, p.Name, a)
		}
		c := &commune{
			code: p.Code, name: p.Name, tncc: *p.TNCC, dept: p.Department,
			population: *p.Population, postalCodes: slices.Clone(p.PostalCodes),
		}
		slices.Sort(c.postalCodes)
		c.postalCodes = slices.Compact(c.postalCodes)
		for _, f := range p.FormerCodes {
			c.former = append(c.former, former{code: f})
		}
		byCode[c.code] = c
		communes = append(communes, c)
	}
	// Delegated and associated communes name some of the former codes, and
	// their chefLieu is the current state of the COG: where anciensCodes
	// disagrees (a code listed under another commune), chefLieu wins.
	owner := map[string]string{}
	named := map[string]string{}
	for _, p := range s.communes {
		if p.Type != "commune-deleguee" && p.Type != "commune-associee" {
			continue
		}
		if _, ok := byCode[p.ChefLieu]; !ok {
			continue // chef-lieu in an overseas collectivity
		}
		if o, ok := owner[p.Code]; ok && o != p.ChefLieu {
			return nil, rep, fmt.Errorf("former commune %s has two chefs-lieux: %s and %s", p.Code, o, p.ChefLieu)
		}
		owner[p.Code] = p.ChefLieu
		if p.Code != p.ChefLieu {
			named[p.Code] = p.Name
		}
		c := byCode[p.ChefLieu]
		if p.Code == p.ChefLieu {
			// The delegated commune that keeps the current code
			// (Villotran in Les Hauts-Talican).
			c.former = append(c.former, former{code: p.Code, name: p.Name})
		} else if !slices.ContainsFunc(c.former, func(f former) bool { return f.code == p.Code }) {
			c.former = append(c.former, former{code: p.Code})
		}
	}
	for _, c := range communes {
		c.former = slices.DeleteFunc(c.former, func(f former) bool {
			if o, ok := owner[f.code]; ok && o != c.code {
				rep.Conflicts = append(rep.Conflicts, fmt.Sprintf(
					"%s listed in anciensCodes of %s %s but is a delegated/associated commune of %s: kept under %s",
					f.code, c.code, c.name, o, o))
				return true
			}
			return false
		})
		for i, f := range c.former {
			if f.name == "" {
				c.former[i].name = named[f.code]
			}
		}
		slices.SortFunc(c.former, func(a, b former) int {
			return cmpStrings(a.code+"\x00"+a.name, b.code+"\x00"+b.name)
		})
		c.former = slices.Compact(c.former)
		for _, f := range c.former {
			if f.code == c.code {
				continue
			}
			if _, ok := byCode[f.code]; ok {
				return nil, rep, fmt.Errorf("commune %s lists %s as former, which is current", c.code, f.code)
			}
			if o, ok := owner[f.code]; ok && o != c.code {
				return nil, rep, fmt.Errorf("former code %s belongs to both %s and %s", f.code, o, c.code)
			}
			owner[f.code] = c.code
		}
	}
	slices.Sort(rep.Conflicts)

	// EPCI and membership.
	type epci struct{ siren, kind, name string }
	var epcis []epci
	for _, e := range s.epcis {
		kind, ok := epciKinds[e.Type]
		if !ok {
			return nil, rep, fmt.Errorf("EPCI %s: unknown type %q", e.Code, e.Type)
		}
		epcis = append(epcis, epci{siren: e.Code, kind: kind, name: e.Name})
		for _, m := range e.Members {
			c, ok := byCode[m.Code]
			if !ok {
				return nil, rep, fmt.Errorf("EPCI %s: member %s is not a current commune", e.Code, m.Code)
			}
			if c.epci != "" {
				return nil, rep, fmt.Errorf("commune %s in two EPCI: %s and %s", c.code, c.epci, e.Code)
			}
			c.epci = e.Code
		}
	}
	slices.SortFunc(epcis, func(a, b epci) int { return cmpStrings(a.siren, b.siren) })

	if err := s.attachFacts(communes, byCode, &rep); err != nil {
		return nil, rep, err
	}

	slices.SortFunc(communes, func(a, b *commune) int { return cmpStrings(a.code, b.code) })
	rep.Communes, rep.EPCIs = len(communes), len(epcis)

	// Check the missing facts. Mayotte has no area or active population in
	// datas.fun: areas are supplemented, actives stay unknown.
	var inMayotte int
	for _, c := range communes {
		id := c.code + " " + c.name
		if !c.hasPos {
			rep.MissingPosition = append(rep.MissingPosition, id)
		}
		if c.density == 0 {
			rep.MissingDensity = append(rep.MissingDensity, id)
		}
		if !c.hasArea {
			rep.MissingArea = append(rep.MissingArea, id)
		}
		if !c.hasActive {
			rep.MissingActive = append(rep.MissingActive, id)
			if c.dept == "976" {
				inMayotte++
			}
		}
	}
	if len(rep.MissingPosition) > MaxMissing || len(rep.MissingDensity) > MaxMissing ||
		len(rep.MissingArea) > MaxMissing || len(rep.MissingActive)-inMayotte > MaxMissing {
		return nil, rep, fmt.Errorf("too many communes without position (%d), density level (%d), area (%d) or active population (%d, %d of them in Mayotte); at most %d allowed",
			len(rep.MissingPosition), len(rep.MissingDensity), len(rep.MissingArea), len(rep.MissingActive), inMayotte, MaxMissing)
	}

	// Write.
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s\tdecoupage-administratif@%s\n", Format, s.version)
	slices.SortFunc(s.regions, func(a, b pkgRegion) int { return cmpStrings(a.Code, b.Code) })
	for _, r := range s.regions {
		if err := row(&b, "R", r.Code, r.Name); err != nil {
			return nil, rep, err
		}
	}
	slices.SortFunc(s.departments, func(a, b pkgDepartment) int { return cmpStrings(a.Code, b.Code) })
	for _, d := range s.departments {
		if err := row(&b, "D", d.Code, d.Region, d.Name); err != nil {
			return nil, rep, err
		}
	}
	for _, e := range epcis {
		if err := row(&b, "E", e.siren, e.kind, e.name); err != nil {
			return nil, rep, err
		}
	}
	for _, c := range communes {
		var fs []string
		for _, f := range c.former {
			if strings.ContainsAny(f.name, ";:") {
				return nil, rep, fmt.Errorf("former commune %s: name %q has a separator", f.code, f.name)
			}
			if f.name == "" {
				fs = append(fs, f.code)
			} else {
				fs = append(fs, f.code+":"+f.name)
			}
		}
		flags := ""
		if c.estimated {
			flags = "e"
		}
		err := row(&b, "C", c.code, c.name, strconv.Itoa(c.tncc), strings.Join(c.postalCodes, ","),
			c.dept, c.epci, strconv.Itoa(c.population), optInt(c.active, c.hasActive),
			optFloat(c.lat, 5, c.hasPos), optFloat(c.lon, 5, c.hasPos), optFloat(c.area, 2, c.hasArea),
			optInt(c.density, c.density != 0), flags, strings.Join(fs, ";"))
		if err != nil {
			return nil, rep, err
		}
	}
	return b.Bytes(), rep, nil
}

// attachFacts gives each current commune its position, area, active
// population and density level from the 2024 sources.
func (s *sources) attachFacts(communes []*commune, byCode map[string]*commune, rep *Report) error {
	isRestored := map[string]bool{}
	for _, codes := range restored {
		for _, c := range codes {
			isRestored[c] = true
		}
	}
	usedBy := map[string]string{} // 2024 commune → current commune
	for _, c := range communes {
		if isRestored[c.code] {
			continue // no 2024 unit of its own: see the groups below
		}
		// The 2024 units that make up the commune: itself and its former
		// communes, as far as the 2024 sources know them.
		candidates := append([]string{c.code}, formerCodes(c)...)
		var parts []factRow
		arrs, plm := s.arrs[c.code] // Paris, Lyon, Marseille: datas.fun has only their arrondissements
		if plm {
			parts = arrs
		}
		bestPop := -1
		for _, code := range candidates {
			f, inFacts := s.facts[code]
			g, inGrid := s.grid[code]
			if !inFacts && !inGrid {
				continue
			}
			if other, dup := usedBy[code]; dup {
				return fmt.Errorf("2024 commune %s is part of both %s and %s: add it to the restored table", code, other, c.code)
			}
			usedBy[code] = c.code
			if inFacts && !plm {
				parts = append(parts, f)
			}
			// Density level: that of the most populous 2024 part.
			if inGrid && g.population > bestPop {
				bestPop, c.density = g.population, g.level
			}
		}
		if _, keeper := restored[c.code]; keeper {
			continue
		}
		combine(c, parts)
		if len(parts) > 1 && !plm {
			codes := make([]string, len(parts))
			for i, p := range parts {
				codes[i] = p.code
			}
			rep.Merged = append(rep.Merged, fmt.Sprintf("%s %s ← %s", c.code, c.name, strings.Join(codes, " + ")))
		}
	}

	// Split communes: each member of the group gets the 2024 commune's
	// density level and position, and a share of its area and active
	// population in proportion to the members' current populations.
	parents := make([]string, 0, len(restored))
	for p := range restored {
		parents = append(parents, p)
	}
	slices.Sort(parents)
	for _, parent := range parents {
		f, ok := s.facts[parent]
		g, gok := s.grid[parent]
		keeper, kok := byCode[parent]
		if !ok || !gok || !kok {
			return fmt.Errorf("restored table: 2024 commune %s not found in the sources", parent)
		}
		group := []*commune{keeper}
		for _, code := range restored[parent] {
			m, ok := byCode[code]
			if !ok {
				return fmt.Errorf("restored table: %s is not a current commune", code)
			}
			if _, ok := s.facts[code]; ok {
				return fmt.Errorf("restored table: %s now has facts of its own; remove it", code)
			}
			group = append(group, m)
		}
		total := 0
		for _, m := range group {
			total += m.population
		}
		for _, m := range group {
			share := float64(m.population) / float64(total)
			m.lat, m.lon, m.hasPos = f.lat, f.lon, f.hasPos
			m.area, m.hasArea = round(f.areaKm2*share, 2), f.hasArea
			m.active, m.hasActive = int(math.Round(float64(f.active)*share)), f.hasActive
			m.density = g.level
			m.estimated = true
			rep.Restored = append(rep.Restored, fmt.Sprintf("%s %s ← %.3f of 2024 %s", m.code, m.name, share, parent))
		}
	}

	// Supplements, then estimates of the active population.
	codes := make([]string, 0, len(supplements))
	for code := range supplements {
		codes = append(codes, code)
	}
	slices.Sort(codes)
	for _, code := range codes {
		sup := supplements[code]
		c, ok := byCode[code]
		if !ok {
			return fmt.Errorf("supplement for %s: not a current commune", code)
		}
		used := false
		if sup.lat != 0 && !c.hasPos {
			c.lat, c.lon, c.hasPos, used = sup.lat, sup.lon, true, true
		}
		if sup.areaKm2 != 0 && !c.hasArea {
			c.area, c.hasArea, used = sup.areaKm2, true, true
		}
		if !used {
			return fmt.Errorf("supplement for %s is no longer needed: remove it", code)
		}
		rep.Supplemented = append(rep.Supplemented, fmt.Sprintf("%s %s: %s", code, c.name, sup.what))
	}
	deptActive, deptPop := map[string]int{}, map[string]int{}
	for _, f := range s.facts {
		if f.hasActive {
			deptActive[f.dept] += f.active
			deptPop[f.dept] += f.population2021
		}
	}
	for _, c := range communes {
		if !c.hasActive && c.population == 0 {
			// The "villages morts pour la France" of the Meuse: nobody lives there.
			c.active, c.hasActive = 0, true
		}
		if c.hasActive || deptPop[c.dept] == 0 {
			continue
		}
		rate := float64(deptActive[c.dept]) / float64(deptPop[c.dept])
		c.active, c.hasActive, c.estimated = int(math.Round(rate*float64(c.population))), true, true
		rep.EstimatedActive = append(rep.EstimatedActive,
			fmt.Sprintf("%s %s: %d (%.3f × population, rate of département %s)", c.code, c.name, c.active, rate, c.dept))
	}

	// Every 2024 commune must have gone somewhere.
	var lost []string
	for code := range s.facts {
		if _, ok := usedBy[code]; !ok {
			lost = append(lost, code)
		}
	}
	for code := range s.grid {
		if _, ok := usedBy[code]; !ok {
			lost = append(lost, code)
		}
	}
	if len(lost) > 0 {
		slices.Sort(lost)
		return fmt.Errorf("2024 communes that no current commune lists (merged without anciensCodes?): %v", slices.Compact(lost))
	}
	return nil
}

func formerCodes(c *commune) []string {
	var codes []string
	for _, f := range c.former {
		if f.code != c.code {
			codes = append(codes, f.code)
		}
	}
	return slices.Compact(codes)
}

// combine sums the parts' area and active population and places the commune
// at the area-weighted mean of the parts' positions.
func combine(c *commune, parts []factRow) {
	if len(parts) == 0 {
		return
	}
	var lat, lon, weight float64
	c.hasArea, c.hasActive = true, true
	for _, p := range parts {
		c.area += p.areaKm2
		c.hasArea = c.hasArea && p.hasArea
		c.active += p.active
		c.hasActive = c.hasActive && p.hasActive
		if p.hasPos {
			w := p.areaKm2
			if w <= 0 {
				w = 1
			}
			lat += p.lat * w
			lon += p.lon * w
			weight += w
		}
	}
	c.area = round(c.area, 2)
	if weight > 0 {
		c.lat, c.lon, c.hasPos = round(lat/weight, 5), round(lon/weight, 5), true
	}
}

// --- helpers -------------------------------------------------------------------

// article returns the article that starts a name of INSEE "type de nom en
// clair" tncc.
func article(tncc int) string {
	return [...]string{"", "", "Le ", "La ", "Les ", "L'", "Aux ", "Las ", "Los "}[tncc]
}

func row(b *bytes.Buffer, fields ...string) error {
	for i, f := range fields {
		if strings.ContainsAny(f, "\t\n\r") {
			return fmt.Errorf("field %q of a %s record holds a tab or a newline", f, fields[0])
		}
		if i > 0 {
			b.WriteByte('\t')
		}
		b.WriteString(f)
	}
	b.WriteByte('\n')
	return nil
}

func optInt(v int, ok bool) string {
	if !ok {
		return ""
	}
	return strconv.Itoa(v)
}

func optFloat(v float64, decimals int, ok bool) string {
	if !ok {
		return ""
	}
	return strconv.FormatFloat(round(v, decimals), 'f', -1, 64)
}

func round(v float64, decimals int) float64 {
	p := math.Pow(10, float64(decimals))
	return math.Round(v*p) / p
}

func cmpStrings(a, b string) int { return strings.Compare(a, b) }
