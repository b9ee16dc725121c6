package territory_test

import (
	"fmt"
	"math"
	"slices"
	"testing"

	"coopconnect/internal/territory"
)

func TestHaversine(t *testing.T) {
	tests := []struct {
		name                   string
		lat1, lon1, lat2, lon2 float64
		want                   float64
	}{
		{"same point", 44.5, 6.1, 44.5, 6.1, 0},
		{"one degree of latitude", 45, 5, 46, 5, 111.195},
		{"a quarter of the equator", 0, 0, 0, 90, 10007.56},
		{"Paris–Marseille town halls", 48.8566, 2.3522, 43.2965, 5.3698, 660.5},
	}
	for _, tt := range tests {
		if got := territory.Haversine(tt.lat1, tt.lon1, tt.lat2, tt.lon2); math.Abs(got-tt.want) > 0.5 {
			t.Errorf("%s: got %.3f km, want %.3f", tt.name, got, tt.want)
		}
	}
}

func TestDistance_GapToDigne(t *testing.T) {
	ix := load(t)
	gap, digne := mustCommune(t, ix, "05061"), mustCommune(t, ix, "04070")
	// 44.57967,6.06159 to 44.09543,6.24948: about 56 km as the crow flies.
	if d := territory.Distance(gap, digne); d < 55 || d > 57 || territory.Distance(digne, gap) != d {
		t.Errorf("got %.2f km", d)
	}
}

func TestWithin(t *testing.T) {
	ix := load(t)
	forcalquier := mustCommune(t, ix, "04088")
	for _, km := range []float64{0, 5, 12, 30, 80} {
		got := ix.Within("04088", km)
		if len(got) == 0 || got[0].Code != "04088" {
			t.Fatalf("Within(04088, %v) does not start with Forcalquier: %v", km, codes(got))
		}
		// The same set as a scan of every commune, sorted by distance.
		var want []string
		for c := range ix.Communes() {
			if territory.Distance(forcalquier, c) <= km {
				want = append(want, c.Code)
			}
		}
		if gotCodes := codes(got); !sameSet(gotCodes, want) {
			t.Errorf("Within(04088, %v): got %d communes, a full scan finds %d", km, len(gotCodes), len(want))
		}
		for i := 1; i < len(got); i++ {
			if territory.Distance(forcalquier, got[i]) < territory.Distance(forcalquier, got[i-1]) {
				t.Errorf("Within(04088, %v): %s after %s is nearer", km, got[i].Code, got[i-1].Code)
			}
		}
	}
	// Mane is 3.8 km from Forcalquier, Manosque about 20.
	near := codes(ix.Within("04088", 5))
	if !slices.Contains(near, "04111") || slices.Contains(near, "04112") {
		t.Errorf("Within(04088, 5) = %v", near)
	}
	if ix.Within("00000", 10) != nil || ix.Within("04088", -1) != nil {
		t.Error("Within accepted an unknown code or a negative distance")
	}
}

func TestWithinPoint_Overseas(t *testing.T) {
	ix := load(t)
	// Mamoudzou, Mayotte: its neighbours, and nothing from elsewhere.
	got := ix.WithinPoint(-12.78751, 45.19642, 10)
	if len(got) == 0 || got[0].Code != "97611" {
		t.Fatalf("got %v", codes(got))
	}
	for _, c := range got {
		if c.Department != "976" {
			t.Errorf("%s %s is not in Mayotte", c.Code, c.Name)
		}
	}
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

func BenchmarkWithin(b *testing.B) {
	ix := load(b)
	for _, km := range []float64{10, 30, 100} {
		b.Run(fmt.Sprintf("km=%v", km), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				ix.Within("04088", km)
			}
		})
	}
}
