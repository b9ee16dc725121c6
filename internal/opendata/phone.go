package opendata

import (
	"regexp"
	"strings"
)

// telephonePattern is the schema's pattern of the telephone field.
var telephonePattern = regexp.MustCompile(`^(\+33|\+590|\+594|\+262|\+596|\+269|\+687|\+689|\+508|\+681)(\d){6,9}$`)

// countryCodes are the calling codes the standard accepts, France last:
// the overseas ones are looked for first.
var countryCodes = []string{"590", "594", "262", "596", "269", "687", "689", "508", "681", "33"}

// overseas maps the first four digits of a ten-digit French number to the
// calling code of the overseas département it belongs to (fixed and mobile
// ranges); every other ten-digit number is metropolitan (+33).
var overseas = map[string]string{
	"0590": "590", "0690": "590", "0691": "590", // Guadeloupe, Saint-Martin, Saint-Barthélemy
	"0594": "594", "0694": "594", // Guyane
	"0596": "596", "0696": "596", "0697": "596", // Martinique
	"0262": "262", "0263": "262", "0692": "262", "0693": "262", // La Réunion
	"0269": "262", "0639": "262", // Mayotte
}

// StandardPhone writes a phone number as the standard wants it: the
// international form without spaces, the leading zero dropped
// ("04 92 61 00 00" → "+33492610000", "0590 12 34 56" → "+590590123456").
// It returns "" when the number cannot be read as a French one.
func StandardPhone(s string) string {
	s = strings.ReplaceAll(strings.TrimSpace(s), "(0)", "")
	plus := strings.HasPrefix(s, "+")
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	digits := b.String()
	if !plus && strings.HasPrefix(digits, "00") {
		plus, digits = true, digits[2:]
	}
	var out string
	switch {
	case plus:
		for _, cc := range countryCodes {
			if rest, ok := strings.CutPrefix(digits, cc); ok {
				out = "+" + cc + strings.TrimPrefix(rest, "0")
				break
			}
		}
	case len(digits) == 10 && digits[0] == '0':
		if cc, ok := overseas[digits[:4]]; ok {
			out = "+" + cc + digits[1:]
		} else if digits[:4] == "0508" { // Saint-Pierre-et-Miquelon: six-digit numbers
			out = "+508" + digits[4:]
		} else {
			out = "+33" + digits[1:]
		}
	}
	if !telephonePattern.MatchString(out) {
		return ""
	}
	return out
}

// NationalPhone writes an international number of metropolitan France or
// of an overseas département the way people read it ("+33492610000" →
// "04 92 61 00 00"); other values are returned trimmed, as given.
func NationalPhone(s string) string {
	s = strings.TrimSpace(s)
	if std := StandardPhone(s); strings.HasPrefix(s, "+") && std != "" {
		s = std
	}
	for _, cc := range []string{"33", "590", "594", "596", "262"} {
		rest, ok := strings.CutPrefix(s, "+"+cc)
		if !ok || len(rest) != 9 || strings.Trim(rest, "0123456789") != "" {
			continue
		}
		d := "0" + rest
		return d[0:2] + " " + d[2:4] + " " + d[4:6] + " " + d[6:8] + " " + d[8:10]
	}
	return s
}
