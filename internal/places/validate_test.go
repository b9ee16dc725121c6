package places

import "testing"

func TestValidSIRENAndSIRET(t *testing.T) {
	for _, tc := range []struct {
		s    string
		f    func(string) bool
		want bool
	}{
		{"732829320", ValidSIREN, true},  // a real SIREN
		{"732829321", ValidSIREN, false}, // checksum off by one
		{"73282932", ValidSIREN, false},  // too short
		{"73282932A", ValidSIREN, false}, // not digits
		{"73282932000074", ValidSIRET, true},
		{"73282932000075", ValidSIRET, false},
		{"35600000000047", ValidSIRET, true}, // La Poste: digits sum to a multiple of 5
		{"35600000000048", ValidSIRET, false},
		{"W751234567", ValidRNA, true},
		{"W2A1234567", ValidRNA, true},
		{"751234567", ValidRNA, false},
		{"W75123456", ValidRNA, false},
	} {
		if got := tc.f(tc.s); got != tc.want {
			t.Errorf("%s: got %v, want %v", tc.s, got, tc.want)
		}
	}
}

func TestSlugify(t *testing.T) {
	for in, want := range map[string]string{
		"la fabrique du village":    "la-fabrique-du-village",
		"  l atelier  numerique 2 ": "l-atelier-numerique-2",
		"":                          "lieu",
	} {
		if got := slugify(in); got != want {
			t.Errorf("slugify(%q) = %q, want %q", in, got, want)
		}
	}
}
