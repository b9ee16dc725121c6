package territory_test

import (
	"math"
	"slices"
	"strings"
	"testing"

	"coopconnect/internal/territory"
)

func load(t testing.TB) *territory.Index {
	t.Helper()
	ix, err := territory.Load()
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return ix
}

func mustCommune(t testing.TB, ix *territory.Index, code string) territory.Commune {
	t.Helper()
	c, ok := ix.Commune(code)
	if !ok {
		t.Fatalf("Commune(%q) not found", code)
	}
	return c
}

func TestLoad_ReturnsTheSameIndex(t *testing.T) {
	a, b := load(t), load(t)
	if a != b {
		t.Error("Load parsed the file twice")
	}
}

func TestLoad_Counts(t *testing.T) {
	ix := load(t)
	// COG 2026: 34,875 communes in metropolitan France and the overseas
	// départements, 1,255 EPCI à fiscalité propre.
	if n := ix.Len(); n < 34700 || n > 35000 {
		t.Errorf("got %d communes, want about 34,900", n)
	}
	n := 0
	for range ix.EPCIs() {
		n++
	}
	if n < 1200 || n > 1300 {
		t.Errorf("got %d EPCI, want about 1,250", n)
	}
	depts := 0
	for range ix.Departments() {
		depts++
	}
	if depts != 101 {
		t.Errorf("got %d départements, want 101", depts)
	}
}

// The facts below were read in the sources themselves: the package for
// names, codes and EPCI; datas.fun for position, area and active population;
// INSEE's grid for the density level.
func TestCommune_KnownFacts(t *testing.T) {
	ix := load(t)
	tests := []struct {
		code, name, postal, dept, deptName, region, regionName, epci string
		active                                                       int
		lat, lon, area                                               float64
		density                                                      int
		rural                                                        bool
	}{
		{"04070", "Digne-les-Bains", "04000", "04", "Alpes-de-Haute-Provence", "93", "Provence-Alpes-Côte d'Azur", "200067437",
			6601, 44.09543, 6.24948, 117.07, 3, false},
		{"05061", "Gap", "05000", "05", "Hautes-Alpes", "93", "Provence-Alpes-Côte d'Azur", "200067825",
			17941, 44.57967, 6.06159, 110.43, 2, false},
		{"04088", "Forcalquier", "04300", "04", "Alpes-de-Haute-Provence", "93", "Provence-Alpes-Côte d'Azur", "240400440",
			1998, 43.95817, 5.78417, 42.76, 3, false},
		{"05079", "Le Monêtier-les-Bains", "05220", "05", "Hautes-Alpes", "93", "Provence-Alpes-Côte d'Azur", "240500439",
			468, 44.99923, 6.47091, 97.87, 5, true},
		{"06120", "Saint-Étienne-de-Tinée", "06660", "06", "Alpes-Maritimes", "93", "Provence-Alpes-Côte d'Azur", "200030195",
			652, 44.25969, 6.92523, 173.81, 6, true},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			c := mustCommune(t, ix, tt.code)
			if c.Name != tt.name || !slices.Contains(c.PostalCodes, tt.postal) {
				t.Errorf("got %q %v, want %q with postal code %s", c.Name, c.PostalCodes, tt.name, tt.postal)
			}
			if c.Department != tt.dept || c.DepartmentName != tt.deptName || c.Region != tt.region || c.RegionName != tt.regionName {
				t.Errorf("got %s %s / %s %s, want %s %s / %s %s", c.Department, c.DepartmentName, c.Region, c.RegionName,
					tt.dept, tt.deptName, tt.region, tt.regionName)
			}
			if c.EPCI != tt.epci {
				t.Errorf("got EPCI %s, want %s", c.EPCI, tt.epci)
			}
			if c.ActivePopulation != tt.active || c.Lat != tt.lat || c.Lon != tt.lon || c.AreaKm2 != tt.area {
				t.Errorf("got active %d at %v,%v area %v, want %d at %v,%v area %v",
					c.ActivePopulation, c.Lat, c.Lon, c.AreaKm2, tt.active, tt.lat, tt.lon, tt.area)
			}
			if c.Density != tt.density || c.Rural() != tt.rural {
				t.Errorf("got density %d rural %v, want %d %v", c.Density, c.Rural(), tt.density, tt.rural)
			}
			if c.Estimated || c.Population <= 0 {
				t.Errorf("got estimated %v population %d", c.Estimated, c.Population)
			}
		})
	}
}

func TestEPCI_KnownFacts(t *testing.T) {
	ix := load(t)
	tests := []struct {
		siren, name string
		kind        territory.EPCIKind
		members     int
		has         string
	}{
		{"200067437", "CA Provence-Alpes-Agglomération", territory.KindCA, 46, "04070"},
		{"200067825", "CA Gap-Tallard-Durance", territory.KindCA, 17, "05061"},
		{"240400440", "CC Pays Forcalquier et Montagne de Lure", territory.KindCC, 13, "04088"},
		{"200046977", "Métropole de Lyon", territory.KindMetro, 58, "69123"},
	}
	for _, tt := range tests {
		e, ok := ix.EPCI(tt.siren)
		if !ok {
			t.Errorf("EPCI(%s) not found", tt.siren)
			continue
		}
		if e.Name != tt.name || e.Kind != tt.kind || len(e.Communes) != tt.members || !slices.Contains(e.Communes, tt.has) {
			t.Errorf("EPCI %s: got %q %s with %d members, want %q %s with %d including %s",
				tt.siren, e.Name, e.Kind, len(e.Communes), tt.name, tt.kind, tt.members, tt.has)
		}
	}
}

// Bounding boxes of metropolitan France (with Corsica) and of each overseas
// département.
var boxes = map[string][4]float64{ // min lat, max lat, min lon, max lon
	"":    {41.3, 51.1, -5.2, 9.6},
	"971": {15.8, 16.6, -61.9, -60.9},
	"972": {14.3, 14.9, -61.3, -60.8},
	"973": {2.1, 5.8, -54.7, -51.5},
	"974": {-21.4, -20.8, 55.2, 55.9},
	"976": {-13.1, -12.6, 44.9, 45.4},
}

func TestCommune_EveryCommuneIsComplete(t *testing.T) {
	ix := load(t)
	for c := range ix.Communes() {
		box := boxes[""]
		if strings.HasPrefix(c.Department, "97") {
			box = boxes[c.Department]
		}
		if c.Lat < box[0] || c.Lat > box[1] || c.Lon < box[2] || c.Lon > box[3] {
			t.Errorf("%s %s: position %v,%v outside the box of %s", c.Code, c.Name, c.Lat, c.Lon, c.Department)
		}
		if c.Density < 1 || c.Density > 7 {
			t.Errorf("%s %s: density %d", c.Code, c.Name, c.Density)
		}
		if c.AreaKm2 <= 0 {
			t.Errorf("%s %s: area %v", c.Code, c.Name, c.AreaKm2)
		}
		if c.Population < 0 || c.ActivePopulation < 0 || (c.ActivePopulation == 0 && c.Population > 100 && c.Department != "976") {
			t.Errorf("%s %s: population %d, active %d", c.Code, c.Name, c.Population, c.ActivePopulation)
		}
		if len(c.PostalCodes) == 0 {
			t.Errorf("%s %s: no postal code", c.Code, c.Name)
		}
		for _, p := range c.PostalCodes {
			if len(p) != 5 || strings.Trim(p, "0123456789") != "" {
				t.Errorf("%s %s: postal code %q", c.Code, c.Name, p)
			}
		}
		if d, ok := ix.Department(c.Department); !ok || d.Name != c.DepartmentName || d.Region != c.Region {
			t.Errorf("%s %s: département %s %q does not match %+v", c.Code, c.Name, c.Department, c.DepartmentName, d)
		}
		if r, ok := ix.Region(c.Region); !ok || r.Name != c.RegionName {
			t.Errorf("%s %s: région %s %q does not match %+v", c.Code, c.Name, c.Region, c.RegionName, r)
		}
		if a := c.Article(); a != "" && !strings.HasPrefix(c.Name, a) {
			t.Errorf("%s %s: article %q", c.Code, c.Name, a)
		}
	}
}

func TestEPCI_MembershipIsConsistentBothWays(t *testing.T) {
	ix := load(t)
	members := 0
	for e := range ix.EPCIs() {
		if len(e.Communes) == 0 {
			t.Errorf("EPCI %s %s has no commune", e.SIREN, e.Name)
		}
		if !slices.Contains([]territory.EPCIKind{territory.KindCC, territory.KindCA, territory.KindCU, territory.KindMetro}, e.Kind) {
			t.Errorf("EPCI %s: kind %q", e.SIREN, e.Kind)
		}
		var pop, active int
		for _, code := range e.Communes {
			c := mustCommune(t, ix, code)
			if c.EPCI != e.SIREN {
				t.Errorf("EPCI %s lists %s, whose EPCI is %q", e.SIREN, code, c.EPCI)
			}
			pop += c.Population
			active += c.ActivePopulation
		}
		if pop != e.Population || active != e.ActivePopulation {
			t.Errorf("EPCI %s: got population %d active %d, members sum to %d %d", e.SIREN, e.Population, e.ActivePopulation, pop, active)
		}
		tot, err := ix.Sum(e.Communes...)
		if err != nil || tot.Population != e.Population || tot.ActivePopulation != e.ActivePopulation || tot.AreaKm2 != e.AreaKm2 {
			t.Errorf("EPCI %s: Sum gives %+v, %v; EPCI has %d %d %v", e.SIREN, tot, err, e.Population, e.ActivePopulation, e.AreaKm2)
		}
		members += len(e.Communes)
	}
	var alone []string
	for c := range ix.Communes() {
		if c.EPCI == "" {
			alone = append(alone, c.Code)
			continue
		}
		e, ok := ix.EPCI(c.EPCI)
		if !ok || !slices.Contains(e.Communes, c.Code) {
			t.Errorf("%s %s: EPCI %s does not list it", c.Code, c.Name, c.EPCI)
		}
	}
	// The four island communes outside any EPCI.
	if want := []string{"22016", "29083", "29155", "85113"}; !slices.Equal(alone, want) {
		t.Errorf("got communes outside any EPCI %v, want %v", alone, want)
	}
	if members+len(alone) != ix.Len() {
		t.Errorf("got %d members + %d alone, want %d communes", members, len(alone), ix.Len())
	}
}

func TestEPCI_Members(t *testing.T) {
	ix := load(t)
	m := ix.Members("200067825")
	if len(m) != 17 || m[0].Code > m[len(m)-1].Code {
		t.Fatalf("got %d members of CA Gap-Tallard-Durance, want 17 by code", len(m))
	}
	if ix.Members("000000000") != nil {
		t.Error("unknown EPCI has members")
	}
}

// Communes created since the sources' year (2024) take their facts from their
// former communes: sums of area and active population, the area-weighted
// mean of positions, the density level of the most populous one. Expected
// values computed by hand from the 2024 rows of datas.fun and the grid.
func TestCommune_MergedSince2024(t *testing.T) {
	ix := load(t)
	tests := []struct {
		code, name string
		former     []string
		area       float64
		active     int
		lat, lon   float64
		density    int
	}{
		// Rives-de-Boutonne (2025) = Nuaillé-sur-Boutonne 17268 (level 6, 189
		// inhabitants) + Saint-Martin-de-Juillers 17334 (level 7, 231): level 7.
		{"17268", "Rives-de-Boutonne", []string{"17334"}, 10.48 + 10.69, 88 + 112, 46.03072, -0.40558, 7},
		// Solore-en-Forez (2025) = 42084 (6, 159) + 42109 (6, 107) + 42252 (7, 251).
		{"42084", "Solore-en-Forez", []string{"42109", "42252"}, 3.41 + 1.15 + 15.6, 70 + 46 + 109, 45.77382, 3.9148, 7},
		// Saint-Denis (2025) = Saint-Denis 93066 + Pierrefitte-sur-Seine 93059.
		{"93066", "Saint-Denis", []string{"93059"}, 15.77, 69542, 48.93407, 2.36526, 1},
		// Pays-de-Montbenoît (2026) = five communes.
		{"25390", "Pays-de-Montbenoît", []string{"25303", "25347", "25398", "25620"}, 46.52, 1014, 46.99913, 6.47411, 6},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			c := mustCommune(t, ix, tt.code)
			if c.Name != tt.name {
				t.Errorf("got %q, want %q", c.Name, tt.name)
			}
			for _, f := range tt.former {
				if !slices.ContainsFunc(c.Former, func(x territory.Former) bool { return x.Code == f }) {
					t.Errorf("former %s missing from %+v", f, c.Former)
				}
				if r, ok := ix.Resolve(f); !ok || r.Code != tt.code {
					t.Errorf("Resolve(%s) = %s, %v; want %s", f, r.Code, ok, tt.code)
				}
			}
			if math.Abs(c.AreaKm2-tt.area) > 0.005 || c.ActivePopulation != tt.active {
				t.Errorf("got area %v active %d, want %v %d", c.AreaKm2, c.ActivePopulation, tt.area, tt.active)
			}
			if c.Lat != tt.lat || c.Lon != tt.lon || c.Density != tt.density {
				t.Errorf("got %v,%v density %d, want %v,%v density %d", c.Lat, c.Lon, c.Density, tt.lat, tt.lon, tt.density)
			}
		})
	}
}

// Neussargues en Pinatelle (15141, 91.98 km², 698 actives, level 7 in 2024)
// was dissolved on 1 January 2025 into five communes: they share its facts.
func TestCommune_RestoredCommunesShareTheirFormerFacts(t *testing.T) {
	ix := load(t)
	var area float64
	var active int
	for _, code := range []string{"15141", "15031", "15035", "15047", "15171"} {
		c := mustCommune(t, ix, code)
		if !c.Estimated || c.Density != 7 || c.Lat != 45.13966 || c.Lon != 2.93452 {
			t.Errorf("%s %s: got estimated %v density %d at %v,%v", c.Code, c.Name, c.Estimated, c.Density, c.Lat, c.Lon)
		}
		area += c.AreaKm2
		active += c.ActivePopulation
	}
	if math.Abs(area-91.98) > 0.03 || active < 697 || active > 699 {
		t.Errorf("got total area %v, active %d; want 91.98 and 698", area, active)
	}
}

func TestResolve(t *testing.T) {
	ix := load(t)
	tests := []struct{ code, want string }{
		{"05061", "05061"}, // current
		{"05125", "05061"}, // Romette, associated with Gap
		{"04071", "04070"}, // merged into Digne-les-Bains long ago
		{"27058", "27676"}, // in Les Trois Lacs since 2017
		// The package also lists 55273 under 55245; its associated-commune
		// record (the current COG) puts it in Nonsard-Lamarche.
		{"55273", "55386"},
		{"2a004", "2A004"},
	}
	for _, tt := range tests {
		if c, ok := ix.Resolve(tt.code); !ok || c.Code != tt.want {
			t.Errorf("Resolve(%q) = %q, %v; want %q", tt.code, c.Code, ok, tt.want)
		}
	}
	if _, ok := ix.Resolve("99999"); ok {
		t.Error("Resolve(99999) found a commune")
	}
	if _, ok := ix.Commune("05125"); ok {
		t.Error("Commune(05125) found a former commune")
	}
}

func TestCommune_NameForms(t *testing.T) {
	ix := load(t)
	tests := []struct{ code, article, bare, de, a string }{
		{"05061", "", "Gap", "de Gap", "à Gap"},
		{"05046", "", "Embrun", "d'Embrun", "à Embrun"},
		{"05079", "Le ", "Monêtier-les-Bains", "du Monêtier-les-Bains", "au Monêtier-les-Bains"},
		{"04134", "La ", "Motte-du-Caire", "de la Motte-du-Caire", "à la Motte-du-Caire"},
		{"04116", "Les ", "Mées", "des Mées", "aux Mées"},
		{"05006", "L'", "Argentière-la-Bessée", "de l'Argentière-la-Bessée", "à l'Argentière-la-Bessée"},
	}
	for _, tt := range tests {
		c := mustCommune(t, ix, tt.code)
		if c.Article() != tt.article || c.BareName() != tt.bare || c.NameWithDe() != tt.de || c.NameWithA() != tt.a {
			t.Errorf("%s: got %q %q %q %q, want %q %q %q %q", tt.code,
				c.Article(), c.BareName(), c.NameWithDe(), c.NameWithA(), tt.article, tt.bare, tt.de, tt.a)
		}
	}
}

func TestSum(t *testing.T) {
	ix := load(t)
	gap, digne := mustCommune(t, ix, "05061"), mustCommune(t, ix, "04070")
	got, err := ix.Sum("05061", "04070", "05061")
	if err != nil {
		t.Fatal(err)
	}
	if got.Communes != 2 || got.Population != gap.Population+digne.Population ||
		got.ActivePopulation != gap.ActivePopulation+digne.ActivePopulation {
		t.Errorf("got %+v", got)
	}
	if _, err := ix.Sum("05061", "nope"); err == nil {
		t.Error("Sum accepted an unknown code")
	}
}
