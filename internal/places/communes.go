package places

import (
	"slices"
	"strings"

	"coopconnect/internal/territory"
)

// ResolveCommune finds the commune a person typed: an INSEE code, or a
// name (forgiving accents and "St"), with the postal code to tell apart
// communes of the same name. It returns the code, or "" and the candidates
// when the text is ambiguous or unknown.
func ResolveCommune(idx *territory.Index, text, postal string) (string, []territory.Commune) {
	text, postal = strings.TrimSpace(text), compact(postal)
	if c, ok := idx.Commune(strings.ToUpper(text)); ok {
		return c.Code, nil
	}
	if text == "" {
		return "", nil
	}
	found := idx.Search(text, 20)
	want := territory.Normalize(text)
	var exact []territory.Commune
	for _, c := range found {
		if territory.Normalize(c.Name) == want {
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
