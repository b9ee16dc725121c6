package places

import (
	"regexp"
	"strings"
)

// luhn tells whether a string of digits passes the Luhn checksum, which
// SIREN and SIRET numbers carry.
func luhn(digits string) bool {
	sum := 0
	double := false
	for i := len(digits) - 1; i >= 0; i-- {
		d := int(digits[i] - '0')
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return sum%10 == 0
}

func allDigits(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// compact removes the spaces and dots people type inside numbers.
func compact(s string) string {
	return strings.NewReplacer(" ", "", ".", "", "\u00a0", "", "\u202f", "").Replace(strings.TrimSpace(s))
}

// ValidSIREN checks a 9-digit SIREN and its checksum.
func ValidSIREN(s string) bool { return allDigits(s, 9) && luhn(s) }

// laPosteSIREN is La Poste's SIREN, whose establishments' SIRETs do not
// pass Luhn: their digits sum to a multiple of 5 instead.
const laPosteSIREN = "356000000"

// ValidSIRET checks a 14-digit SIRET: its SIREN and its own checksum.
func ValidSIRET(s string) bool {
	if !allDigits(s, 14) {
		return false
	}
	if s[:9] == laPosteSIREN {
		sum := 0
		for i := range len(s) {
			sum += int(s[i] - '0')
		}
		return sum%5 == 0
	}
	return ValidSIREN(s[:9]) && luhn(s)
}

var rnaPattern = regexp.MustCompile(`^W[0-9][0-9AB][0-9]{7}$`)

// ValidRNA checks an association's number in the national register (RNA):
// W, the département (2A/2B for Corsica), then seven digits.
func ValidRNA(s string) bool { return rnaPattern.MatchString(s) }

var slugUnsafe = regexp.MustCompile(`[^a-z0-9]+`)

// slugify makes a URL slug from a name, using the territory package's
// normalisation (accents removed).
func slugify(normalized string) string {
	s := strings.Trim(slugUnsafe.ReplaceAllString(normalized, "-"), "-")
	if len(s) > 60 {
		s = strings.TrimRight(s[:60], "-")
	}
	if s == "" {
		s = "lieu"
	}
	return s
}
