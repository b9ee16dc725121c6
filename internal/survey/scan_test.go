package survey

import (
	"encoding/json"
	"slices"
	"testing"
)

// scanAnswers reads back what json.Marshal writes of any Answers,
// escapes and all.
func TestScanAnswers_ReadsWhatMarshalWrites(t *testing.T) {
	n := -12.5
	zero := 0.0
	for _, a := range []Answers{
		{},
		{"status": {Choices: []string{"other"}, Other: "Intermittente \"du spectacle\" <&> \\ é"}},
		{"home": {Text: "04088"}, "km": {Number: &n}, "days": {Choices: []string{"mon_am", "tue_pm"}}, "none": {Number: &zero}},
		{"comment": {Text: "Ligne 1\nLigne 2\t« guillemets » \u2028 😀"}},
	} {
		b, err := json.Marshal(a)
		if err != nil {
			t.Fatal(err)
		}
		got := Answers{}
		var v rawValue
		err = scanAnswers(b, &v, func(id []byte, v *rawValue) {
			x := Value{Text: string(v.text)}
			for _, c := range v.choices {
				x.Choices = append(x.Choices, string(c))
			}
			if v.hasNumber {
				n := v.number
				x.Number = &n
			}
			got[string(id)] = x
		})
		if err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		if len(got) != len(a) {
			t.Fatalf("%s: %d answers read, want %d", b, len(got), len(a))
		}
		for id, want := range a {
			g := got[id]
			if !slices.Equal(g.Choices, want.Choices) || g.Text != want.Text || (g.Number == nil) != (want.Number == nil) ||
				(g.Number != nil && *g.Number != *want.Number) {
				t.Errorf("%s: %s read as %+v, want %+v", b, id, g, want)
			}
		}
	}
	for _, bad := range []string{``, `[]`, `{"a":1}`, `{"a":{"x":1}}`, `{"a":{"c":["b"]}`} {
		var v rawValue
		if err := scanAnswers([]byte(bad), &v, func([]byte, *rawValue) {}); err == nil {
			t.Errorf("%q read without error", bad)
		}
	}
}
