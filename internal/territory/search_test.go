package territory_test

import (
	"fmt"
	"slices"
	"testing"

	"coopconnect/internal/territory"
)

func TestNormalize(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Saint-Étienne-de-Tinée", "saint etienne de tinee"},
		{"st etienne de tinee", "saint etienne de tinee"},
		{"ST-ÉTIENNE  DE TINÉE ", "saint etienne de tinee"},
		{"Ste-Marie", "sainte marie"},
		{"Sts Geosmes", "saints geosmes"},
		{"Stes-Maries-de-la-Mer", "saintes maries de la mer"},
		{"St.-Tropez", "saint tropez"},
		{"Stenay", "stenay"},
		{"L'Argentière-la-Bessée", "l argentiere la bessee"},
		{"l’argentière", "l argentiere"},
		{"Lʼîle", "l ile"},
		{"Vascœuil", "vascoeuil"},
		{"Saint-E\u0301tienne", "saint etienne"}, // decomposed (NFD)
		{"ÆTHER Ça", "aether ca"},
		{"Le Monêtier-les-Bains", "le monetier les bains"},
		{"  --  ", ""},
		{"06120", "06120"},
		{"2A004", "2a004"},
	}
	for _, tt := range tests {
		if got := territory.Normalize(tt.in); got != tt.want {
			t.Errorf("Normalize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func codes(cs []territory.Commune) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Code
	}
	return out
}

func TestSearch(t *testing.T) {
	ix := load(t)
	tests := []struct {
		q     string
		first string   // the expected best match
		has   []string // also in the results
	}{
		{"st etienne de tinee", "06120", nil},
		{"Saint-Étienne-de-Tinée", "06120", nil},
		{"ST ETIENNE DE TINEE", "06120", nil},
		{"saint etienne tinee", "06120", nil}, // a word left out
		{"tinee", "06120", []string{"06129"}},
		{"06120", "06120", nil},                              // INSEE code
		{"06660", "06120", []string{"06119"}},                // postal code
		{"l'argentiere", "05006", []string{"69201"}},         // L'Argentière-la-Bessée, then Sainte-Foy-l'Argentière
		{"l argentiere la bessee", "05006", nil},             //
		{"argentiere", "05006", nil},                         // without the article
		{"gap", "05061", []string{"80374"}},                  // Gap, then Gapennes
		{"GAP", "05061", nil},                                //
		{"05000", "05061", nil},                              //
		{"monetier", "05079", []string{"05078"}},             // Le Monêtier-les-Bains, then Monêtier-Allemont
		{"le monetier les bains", "05079", nil},              //
		{"digne", "04070", nil},                              //
		{"forcalquier", "04088", nil},                        //
		{"barcelonnette", "04019", nil},                      //
		{"sisteron", "04209", nil},                           //
		{"briancon", "05023", nil},                           //
		{"saint etienne", "42218", nil},                      // the city first
		{"st etienne 42", "42218", []string{"42219"}},        // a name and a département
		{"marseille 13", "13055", nil},                       //
		{"paris", "75056", nil},                              //
		{"75116", "75056", nil},                              //
		{"2a004", "2A004", nil},                              // Corsica
		{"ajaccio", "2A004", nil},                            //
		{"vascoeuil", "27672", nil},                          //
		{"romette", "05061", nil},                            // a commune associée of Gap
		{"05125", "05061", nil},                              // its old code
		{"pierrefitte sur seine", "93066", nil},              // merged into Saint-Denis in 2025
		{"04", "04112", []string{"04070", "04209", "04088"}}, // Manosque first
	}
	for _, tt := range tests {
		got := codes(ix.Search(tt.q, 10))
		if len(got) == 0 || got[0] != tt.first {
			t.Errorf("Search(%q) = %v, want %s first", tt.q, got, tt.first)
			continue
		}
		for _, h := range tt.has {
			if !slices.Contains(got, h) {
				t.Errorf("Search(%q) = %v, want %s among them", tt.q, got, h)
			}
		}
		if len(got) != len(slices.Compact(slices.Clone(got))) {
			t.Errorf("Search(%q) = %v has duplicates", tt.q, got)
		}
	}
}

func TestSearch_RanksByLevelThenPopulation(t *testing.T) {
	ix := load(t)
	got := ix.Search("saint", 50)
	if len(got) != 50 {
		t.Fatalf("got %d results, want 50", len(got))
	}
	// First the communes named exactly so (Le Saint, 56), then those whose
	// name starts so, by population: Saint-Étienne, Saint-Denis…
	i := 0
	for i < len(got) && territory.Normalize(got[i].BareName()) == "saint" {
		i++
	}
	if i == 0 || got[i].Code != "42218" {
		t.Errorf("got %v, want the exact matches then Saint-Étienne", codes(got[:i+1]))
	}
	for i++; i < len(got); i++ {
		if got[i].Population > got[i-1].Population {
			t.Errorf("%s (%d) after %s (%d): not by population", got[i].Name, got[i].Population, got[i-1].Name, got[i-1].Population)
		}
	}
}

func TestSearch_Limits(t *testing.T) {
	ix := load(t)
	if n := len(ix.Search("s", 0)); n != territory.DefaultLimit {
		t.Errorf("limit 0: got %d results, want %d", n, territory.DefaultLimit)
	}
	if n := len(ix.Search("s", 3)); n != 3 {
		t.Errorf("limit 3: got %d results", n)
	}
	for _, q := range []string{"", "  ", "-'", "zzzzqqq", "99999", "gap 99"} {
		if got := ix.Search(q, 10); len(got) != 0 {
			t.Errorf("Search(%q) = %v, want nothing", q, codes(got))
		}
	}
}

var benchQueries = []string{
	"gap", "st etienne de tinee", "06120", "04300", "l'argentiere", "s", "sa", "saint", "mar",
	"saint etienne tinee", "forcalquier", "barcelonnette 04", "zzz",
}

func BenchmarkSearch(b *testing.B) {
	ix := load(b)
	for _, q := range benchQueries {
		b.Run(fmt.Sprintf("%q", q), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				ix.Search(q, 10)
			}
		})
	}
}

func BenchmarkNormalize(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		territory.Normalize("Saint-Étienne-de-Tinée")
	}
}
