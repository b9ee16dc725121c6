package survey

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"coopconnect/internal/coop"
	"coopconnect/internal/territory"
)

// Value is the answer to one question.
type Value struct {
	// Choices are option codes (one for single and scale questions).
	Choices []string `json:"c,omitempty"`
	// Other is the text of the "other" option.
	Other  string   `json:"o,omitempty"`
	Number *float64 `json:"n,omitempty"`
	// Text is a free text, or a commune's INSEE code.
	Text string `json:"t,omitempty"`
}

// Empty tells whether nothing was answered.
func (v Value) Empty() bool { return len(v.Choices) == 0 && v.Number == nil && v.Text == "" }

// Answers are one respondent's answers, by question ID.
type Answers map[string]Value

// Limits of free texts.
const (
	maxText  = 2000
	maxOther = 200
)

// Shown tells whether q is asked, given the answers before it.
func (a Answers) Shown(q Question) bool {
	c := q.ShowIf
	if c == nil {
		return true
	}
	for _, code := range a[c.Question].Choices {
		if slices.Contains(c.AnyOf, code) {
			return true
		}
	}
	return false
}

// Field is the form field of a question; its "other" text is Field+".other".
func Field(questionID string) string { return "q." + questionID }

// Parse reads answers as typed in a form (values by field name, see Field)
// and checks them against the questionnaire: a required question left
// empty, an unknown option, a number out of its bounds or a commune that
// cannot be found are problems of that question's field, with their
// message keys. Questions whose condition is not met are dropped.
func (qn Questionnaire) Parse(ix *territory.Index, form map[string][]string) (Answers, error) {
	a := Answers{}
	e := &coop.Error{Code: coop.EInvalid, Message: "survey.invalid", Fields: map[string]string{}, FieldArgs: map[string][]any{}}
	problem := func(q Question, key string, args ...any) {
		f := Field(q.ID)
		if _, ok := e.Fields[f]; !ok {
			e.Fields[f] = key
			if len(args) > 0 {
				e.FieldArgs[f] = args
			}
		}
	}
	for _, q := range qn.Questions {
		if !a.Shown(q) {
			continue
		}
		var raw []string
		for _, s := range form[Field(q.ID)] {
			if s = strings.TrimSpace(s); s != "" {
				raw = append(raw, s)
			}
		}
		other := strings.TrimSpace(strings.Join(form[Field(q.ID)+".other"], " "))
		v, key, args := parseValue(ix, q, raw, other)
		switch {
		case key != "":
			problem(q, key, args...)
		case v.Empty() && q.Required:
			problem(q, "survey.required")
		case !v.Empty():
			a[q.ID] = v
		}
	}
	if len(e.Fields) > 0 {
		return a, e
	}
	return a, nil
}

// parseValue reads one question's raw values; it returns the message key
// (and arguments) of the problem when they are wrong.
func parseValue(ix *territory.Index, q Question, raw []string, other string) (Value, string, []any) {
	var v Value
	switch q.Kind {
	case Single, Scale, Multiple, Days:
		if len(raw) > 1 && q.Kind != Multiple && q.Kind != Days {
			return v, "survey.one_choice", nil
		}
		for _, code := range raw {
			if _, ok := q.Option(code); !ok {
				return v, "survey.option_unknown", nil
			}
			if !slices.Contains(v.Choices, code) {
				v.Choices = append(v.Choices, code)
			}
		}
		if slices.Contains(v.Choices, OtherCode) {
			if other == "" {
				return v, "survey.other_required", nil
			}
			if utf8.RuneCountInString(other) > maxOther {
				return v, "survey.too_long", []any{maxOther}
			}
			v.Other = other
		}
		if q.Kind == Multiple || q.Kind == Days {
			// Keep the questionnaire's order, whatever the form's.
			opts := q.Choices()
			slices.SortFunc(v.Choices, func(x, y string) int {
				return slices.IndexFunc(opts, func(o Option) bool { return o.Code == x }) -
					slices.IndexFunc(opts, func(o Option) bool { return o.Code == y })
			})
		}
	case Number:
		if len(raw) == 0 {
			return v, "", nil
		}
		s := strings.NewReplacer(",", ".", " ", "", "\u00a0", "", "\u202f", "").Replace(raw[0])
		n, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsNaN(n) || math.IsInf(n, 0) {
			return v, "survey.number_invalid", nil
		}
		if q.Integer && n != math.Trunc(n) {
			return v, "survey.integer_required", nil
		}
		if (q.Min != nil && n < *q.Min) || (q.Max != nil && n > *q.Max) {
			switch {
			case q.Min == nil:
				return v, "survey.number_max", []any{*q.Max}
			case q.Max == nil:
				return v, "survey.number_min", []any{*q.Min}
			}
			return v, "survey.number_range", []any{*q.Min, *q.Max}
		}
		v.Number = &n
	case Commune:
		if len(raw) == 0 {
			return v, "", nil
		}
		code, candidates := ix.ResolveCommune(raw[0], "")
		switch {
		case code != "":
			v.Text = code
		case len(candidates) > 1:
			return v, "survey.commune_ambiguous", nil
		default:
			return v, "survey.commune_unknown", nil
		}
	case FreeText:
		if len(raw) == 0 {
			return v, "", nil
		}
		t := strings.Join(raw, "\n")
		if utf8.RuneCountInString(t) > maxText {
			return v, "survey.too_long", []any{maxText}
		}
		v.Text = t
	}
	return v, "", nil
}

// Form turns answers back into form values (see Field), to show a keyed
// sheet again or to fill the form with what was typed.
func (a Answers) Form() map[string][]string {
	f := map[string][]string{}
	for id, v := range a {
		switch {
		case len(v.Choices) > 0:
			f[Field(id)] = v.Choices
			if v.Other != "" {
				f[Field(id)+".other"] = []string{v.Other}
			}
		case v.Number != nil:
			f[Field(id)] = []string{strconv.FormatFloat(*v.Number, 'f', -1, 64)}
		case v.Text != "":
			f[Field(id)] = []string{v.Text}
		}
	}
	return f
}
