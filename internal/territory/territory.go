// Package territory knows every current French commune (metropolitan France
// and the overseas départements) and every EPCI à fiscalité propre: codes,
// names, postal codes, département and région, population, active
// population, position, area and INSEE density level. The data is generated
// from registry sources (see docs/data-sources.md) into a compact file
// embedded in the binary, so it works offline.
//
// An Index is read-only once loaded and safe for concurrent use.
package territory

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"iter"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
)

//go:generate go run ./gen

//go:embed data/territories.tsv.gz
var embedded []byte

// format is the first line the embedded file must start with.
const format = "#\tcoopconnect-territories\tv1"

// Commune is a current commune. Slices are shared with the Index: do not
// modify them.
type Commune struct {
	// Code is the INSEE code (code officiel géographique), e.g. "05061";
	// Corsica's start with 2A or 2B.
	Code string
	// Name is the official name, article included: "Le Monêtier-les-Bains".
	// See BareName, NameWithDe and NameWithA for the other forms.
	Name string
	// PostalCodes lists the commune's postal codes, sorted.
	PostalCodes []string
	// Department and Region are INSEE codes; DepartmentName and RegionName
	// their names.
	Department, DepartmentName string
	Region, RegionName         string
	// EPCI is the SIREN of the commune's EPCI, empty for the four island
	// communes that belong to none (Île-de-Bréhat, Île-de-Sein, Ouessant,
	// L'Île-d'Yeu).
	EPCI string
	// Population is the municipal population (population municipale) of the
	// latest legal populations.
	Population int
	// ActivePopulation is the number of active people aged 15 to 64 (employed
	// or unemployed, INSEE P21_ACT1564, census 2021). Zero where the source
	// publishes none (Mayotte).
	ActivePopulation int
	// Lat and Lon locate the commune (WGS 84 degrees), AreaKm2 is its area.
	Lat, Lon, AreaKm2 float64
	// Density is the INSEE density level, from 1 (grands centres urbains) to
	// 7 (rural à habitat très dispersé); see Rural.
	Density int
	// Estimated reports that the sources had no figures for this commune's
	// current boundaries, so some of Lat, Lon, AreaKm2 and ActivePopulation
	// are estimates (see docs/data-sources.md).
	Estimated bool
	// Former lists the communes merged into this one (communes déléguées,
	// associées and older codes), sorted by code.
	Former []Former

	tncc uint8 // INSEE "type de nom en clair": which article the name has
}

// Former is a commune merged into a current one. Name is empty when the
// sources give only the code.
type Former struct {
	Code, Name string
}

// Rural reports whether the commune is rural in INSEE's density grid: levels
// 5 (bourgs ruraux), 6 and 7 (rural à habitat dispersé, très dispersé).
func (c Commune) Rural() bool { return c.Density >= 5 }

var articles = [...]string{"", "", "Le ", "La ", "Les ", "L'", "Aux ", "Las ", "Los "}

// Article returns the article the name starts with ("Le ", "La ", "Les ",
// "L'", "Aux ", "Las ", "Los ") or "".
func (c Commune) Article() string { return articles[c.tncc] }

// BareName returns the name without its article: "Monêtier-les-Bains".
func (c Commune) BareName() string { return strings.TrimPrefix(c.Name, c.Article()) }

// NameWithDe returns the name after the preposition "de", contracted as
// French requires: "de Gap", "d'Embrun", "du Monêtier-les-Bains",
// "de la Motte-du-Caire", "des Mées", "de l'Argentière-la-Bessée".
func (c Commune) NameWithDe() string {
	bare := c.BareName()
	switch c.tncc {
	case 1:
		return "d'" + bare
	case 2:
		return "du " + bare
	case 3:
		return "de la " + bare
	case 4, 6:
		return "des " + bare
	case 5:
		return "de l'" + bare
	default: // 0, and 7–8 where the article stays: "de Los Masos"
		return "de " + c.Name
	}
}

// NameWithA returns the name after the preposition "à", contracted as French
// requires: "à Gap", "au Monêtier-les-Bains", "à la Motte-du-Caire",
// "aux Mées", "à l'Argentière-la-Bessée".
func (c Commune) NameWithA() string {
	bare := c.BareName()
	switch c.tncc {
	case 2:
		return "au " + bare
	case 3:
		return "à la " + bare
	case 4, 6:
		return "aux " + bare
	case 5:
		return "à l'" + bare
	default:
		return "à " + c.Name
	}
}

// EPCIKind is the legal form of an EPCI.
type EPCIKind string

// The kinds of EPCI à fiscalité propre. KindMetro includes the Métropole de
// Lyon, a collectivité with a special status.
const (
	KindCC    EPCIKind = "CC"    // communauté de communes
	KindCA    EPCIKind = "CA"    // communauté d'agglomération
	KindCU    EPCIKind = "CU"    // communauté urbaine
	KindMetro EPCIKind = "METRO" // métropole
)

// EPCI is an établissement public de coopération intercommunale à fiscalité
// propre. Its totals are sums over its member communes.
type EPCI struct {
	SIREN string
	Name  string
	Kind  EPCIKind
	// Communes lists the INSEE codes of the members, sorted. Do not modify.
	Communes         []string
	Population       int
	ActivePopulation int
	AreaKm2          float64
}

// Department is a département.
type Department struct {
	Code, Name, Region string
}

// Region is a région.
type Region struct {
	Code, Name string
}

// Totals sums facts over a set of communes.
type Totals struct {
	Communes         int
	Population       int
	ActivePopulation int
	AreaKm2          float64
}

// Index holds every commune and EPCI. Obtain it with Load.
type Index struct {
	communes    []Commune        // sorted by code
	byCode      map[string]int32 // current codes
	epcis       []EPCI           // sorted by SIREN
	bySIREN     map[string]int32
	departments []Department // sorted by code
	regions     []Region     // sorted by code
	byLat       []int32      // located communes, by latitude
	search      searchIndex
}

// Load returns the index of the embedded data. The file is parsed on the
// first call only; every call returns the same read-only Index.
func Load() (*Index, error) { return loadOnce() }

var loadOnce = sync.OnceValues(func() (*Index, error) { return parse(embedded) })

// parse reads a gzipped territories file.
func parse(gz []byte) (*Index, error) {
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, fmt.Errorf("territory: %w", err)
	}
	// The gzip trailer ends with the uncompressed size (modulo 2³²): read
	// into a buffer of that size at once.
	var b strings.Builder
	if n := len(gz); n >= 4 {
		b.Grow(int(binary.LittleEndian.Uint32(gz[n-4:])) + 1)
	}
	if _, err := io.Copy(&b, zr); err != nil {
		return nil, fmt.Errorf("territory: %w", err)
	}
	ix, err := parseRaw(b.String())
	if err != nil {
		return nil, fmt.Errorf("territory: %w", err)
	}
	return ix, nil
}

func parseRaw(data string) (*Index, error) {
	header, data, _ := strings.Cut(data, "\n")
	if !strings.HasPrefix(header, format+"\t") && header != format {
		return nil, errors.New("not a v1 territories file")
	}
	nc, ne := strings.Count(data, "\nC\t")+1, strings.Count(data, "\nE\t")+1
	ix := &Index{
		communes: make([]Commune, 0, nc),
		byCode:   make(map[string]int32, nc),
		epcis:    make([]EPCI, 0, ne),
		bySIREN:  make(map[string]int32, ne),
		byLat:    make([]int32, 0, nc),
	}
	regionNames := map[string]string{}
	deptByCode := map[string]Department{}
	var fields [15]string
	for n := 2; data != ""; n++ {
		var line string
		line, data, _ = strings.Cut(data, "\n")
		f := split(line, fields[:0])
		bad := func(what string) error { return fmt.Errorf("line %d: %s: %q", n, what, line) }
		switch f[0] {
		case "R":
			if len(f) != 3 {
				return nil, bad("region")
			}
			ix.regions = append(ix.regions, Region{Code: f[1], Name: f[2]})
			regionNames[f[1]] = f[2]
		case "D":
			if len(f) != 4 || regionNames[f[2]] == "" {
				return nil, bad("département")
			}
			d := Department{Code: f[1], Region: f[2], Name: f[3]}
			ix.departments = append(ix.departments, d)
			deptByCode[d.Code] = d
		case "E":
			if len(f) != 4 {
				return nil, bad("EPCI")
			}
			ix.bySIREN[f[1]] = int32(len(ix.epcis))
			ix.epcis = append(ix.epcis, EPCI{SIREN: f[1], Kind: EPCIKind(f[2]), Name: f[3]})
		case "C":
			c, err := parseCommune(f, deptByCode, regionNames, ix)
			if err != nil {
				return nil, bad(err.Error())
			}
			if _, dup := ix.byCode[c.Code]; dup {
				return nil, bad("duplicate commune")
			}
			ix.byCode[c.Code] = int32(len(ix.communes))
			ix.communes = append(ix.communes, c)
		default:
			return nil, bad("unknown record")
		}
	}
	if !slices.IsSortedFunc(ix.communes, func(a, b Commune) int { return strings.Compare(a.Code, b.Code) }) {
		return nil, errors.New("communes not sorted by code")
	}
	for i, c := range ix.communes {
		if c.EPCI != "" {
			e := &ix.epcis[ix.bySIREN[c.EPCI]]
			e.Communes = append(e.Communes, c.Code)
			e.Population += c.Population
			e.ActivePopulation += c.ActivePopulation
			e.AreaKm2 += c.AreaKm2
		}
		if located(c) {
			ix.byLat = append(ix.byLat, int32(i))
		}
	}
	for i := range ix.epcis {
		ix.epcis[i].AreaKm2 = round2(ix.epcis[i].AreaKm2)
	}
	slices.SortFunc(ix.byLat, func(a, b int32) int {
		if d := ix.communes[a].Lat - ix.communes[b].Lat; d != 0 {
			if d < 0 {
				return -1
			}
			return 1
		}
		return int(a - b)
	})
	ix.search = newSearchIndex(ix.communes)
	return ix, nil
}

// split cuts a tab-separated line into dst.
func split(line string, dst []string) []string {
	for {
		field, rest, more := strings.Cut(line, "\t")
		dst = append(dst, field)
		if !more {
			return dst
		}
		line = rest
	}
}

func parseCommune(f []string, depts map[string]Department, regions map[string]string, ix *Index) (Commune, error) {
	if len(f) != 15 {
		return Commune{}, errors.New("commune: wrong field count")
	}
	d, ok := depts[f[5]]
	if !ok {
		return Commune{}, errors.New("commune: unknown département")
	}
	if _, ok := ix.bySIREN[f[6]]; f[6] != "" && !ok {
		return Commune{}, errors.New("commune: unknown EPCI")
	}
	tncc, err := strconv.Atoi(f[3])
	if err != nil || tncc < 0 || tncc >= len(articles) {
		return Commune{}, errors.New("commune: bad name type")
	}
	c := Commune{
		Code: f[1], Name: f[2], tncc: uint8(tncc),
		PostalCodes: strings.Split(f[4], ","),
		Department:  d.Code, DepartmentName: d.Name, Region: d.Region, RegionName: regions[d.Region],
		EPCI:      f[6],
		Estimated: f[13] == "e",
	}
	var errs []error
	atoi := func(s string) int {
		if s == "" {
			return 0
		}
		v, err := strconv.Atoi(s)
		if err != nil {
			errs = append(errs, err)
		}
		return v
	}
	atof := func(s string) float64 {
		if s == "" {
			return 0
		}
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			errs = append(errs, err)
		}
		return v
	}
	c.Population, c.ActivePopulation = atoi(f[7]), atoi(f[8])
	c.Lat, c.Lon, c.AreaKm2 = atof(f[9]), atof(f[10]), atof(f[11])
	c.Density = atoi(f[12])
	if err := errors.Join(errs...); err != nil {
		return Commune{}, fmt.Errorf("commune: %w", err)
	}
	if f[14] != "" {
		for item := range strings.SplitSeq(f[14], ";") {
			code, name, _ := strings.Cut(item, ":")
			c.Former = append(c.Former, Former{Code: code, Name: name})
		}
	}
	return c, nil
}

// located reports whether the commune has a position; the generator allows a
// handful of communes without one, at (0, 0).
func located(c Commune) bool { return c.Lat != 0 || c.Lon != 0 }

// Commune returns the current commune with this INSEE code.
func (ix *Index) Commune(code string) (Commune, bool) {
	i, ok := ix.byCode[strings.ToUpper(code)]
	if !ok {
		return Commune{}, false
	}
	return ix.communes[i], true
}

// Resolve returns the current commune for a current INSEE code or for the code
// of a commune merged since (as found in older data sets).
func (ix *Index) Resolve(code string) (Commune, bool) {
	if c, ok := ix.Commune(code); ok {
		return c, true
	}
	i, ok := ix.search.former[strings.ToUpper(code)]
	if !ok {
		return Commune{}, false
	}
	return ix.communes[i], true
}

// Communes yields every current commune, by INSEE code.
func (ix *Index) Communes() iter.Seq[Commune] {
	return func(yield func(Commune) bool) {
		for _, c := range ix.communes {
			if !yield(c) {
				return
			}
		}
	}
}

// Len returns the number of current communes.
func (ix *Index) Len() int { return len(ix.communes) }

// EPCI returns the EPCI with this SIREN.
func (ix *Index) EPCI(siren string) (EPCI, bool) {
	i, ok := ix.bySIREN[siren]
	if !ok {
		return EPCI{}, false
	}
	return ix.epcis[i], true
}

// EPCIs yields every EPCI, by SIREN.
func (ix *Index) EPCIs() iter.Seq[EPCI] {
	return func(yield func(EPCI) bool) {
		for _, e := range ix.epcis {
			if !yield(e) {
				return
			}
		}
	}
}

// Members returns the communes of the EPCI with this SIREN, by INSEE code,
// or nil when there is no such EPCI.
func (ix *Index) Members(siren string) []Commune {
	e, ok := ix.EPCI(siren)
	if !ok {
		return nil
	}
	out := make([]Commune, len(e.Communes))
	for i, code := range e.Communes {
		out[i] = ix.communes[ix.byCode[code]]
	}
	return out
}

// Department returns the département with this code.
func (ix *Index) Department(code string) (Department, bool) {
	i, ok := slices.BinarySearchFunc(ix.departments, strings.ToUpper(code), func(d Department, code string) int {
		return strings.Compare(d.Code, code)
	})
	if !ok {
		return Department{}, false
	}
	return ix.departments[i], true
}

// Departments yields every département, by code.
func (ix *Index) Departments() iter.Seq[Department] { return slices.Values(ix.departments) }

// Region returns the région with this code.
func (ix *Index) Region(code string) (Region, bool) {
	i, ok := slices.BinarySearchFunc(ix.regions, code, func(r Region, code string) int {
		return strings.Compare(r.Code, code)
	})
	if !ok {
		return Region{}, false
	}
	return ix.regions[i], true
}

// Regions yields every région, by code.
func (ix *Index) Regions() iter.Seq[Region] { return slices.Values(ix.regions) }

// Sum adds up the population, active population and area of the communes
// with these INSEE codes (a territory made of several communes); a code
// repeated counts once. It fails on a code that is not a current commune.
func (ix *Index) Sum(codes ...string) (Totals, error) {
	var t Totals
	seen := make(map[int32]bool, len(codes))
	for _, code := range codes {
		i, ok := ix.byCode[strings.ToUpper(code)]
		if !ok {
			return Totals{}, fmt.Errorf("territory: unknown commune %q", code)
		}
		if seen[i] {
			continue
		}
		seen[i] = true
		c := ix.communes[i]
		t.Communes++
		t.Population += c.Population
		t.ActivePopulation += c.ActivePopulation
		t.AreaKm2 += c.AreaKm2
	}
	t.AreaKm2 = round2(t.AreaKm2)
	return t, nil
}

func round2(v float64) float64 { return math.Round(v*100) / 100 }
