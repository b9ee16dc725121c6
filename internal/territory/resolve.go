package territory

import (
	"slices"
	"strings"
)

// ResolveCommune finds the commune a person typed: an INSEE code, or a
// name (forgiving accents and "St"), with the postal code to tell apart
// communes of the same name. It returns the code, or "" and the candidates
// when the text is ambiguous or unknown.
func (idx *Index) ResolveCommune(text, postal string) (string, []Commune) {
	text, postal = strings.TrimSpace(text), strings.NewReplacer(" ", "", "\u00a0", "", "\u202f", "").Replace(strings.TrimSpace(postal))
	if c, ok := idx.Commune(strings.ToUpper(text)); ok {
		return c.Code, nil
	}
	if text == "" {
		return "", nil
	}
	found := idx.Search(text, 20)
	want := Normalize(text)
	var exact []Commune
	for _, c := range found {
		if Normalize(c.Name) == want {
			exact = append(exact, c)
		}
	}
	if postal != "" {
		for _, c := range exact {
			if slices.Contains(c.PostalCodes, postal) {
				return c.Code, nil
			}
		}
	}
	if len(exact) == 1 {
		return exact[0].Code, nil
	}
	if len(exact) > 1 {
		return "", exact
	}
	return "", found[:min(len(found), 8)]
}
