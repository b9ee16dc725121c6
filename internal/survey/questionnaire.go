// Package survey runs the needs surveys of territories: campaigns and their
// versioned questionnaires, anonymous answers (online, keyed from paper or
// imported), the distribution kit, and results per commune and EPCI with
// their confidence intervals and small-cell suppression.
package survey

import (
	"fmt"
	"regexp"
	"slices"
)

// Text is a label in French, with its English translation when there is
// one.
type Text struct {
	FR string `json:"fr"`
	EN string `json:"en,omitempty"`
}

// In returns the text in lang ("fr" or "en"), French when there is no
// translation.
func (t Text) In(lang string) string {
	if lang == "en" && t.EN != "" {
		return t.EN
	}
	return t.FR
}

// Kind is the type of a question.
type Kind string

// The kinds of questions.
const (
	Single   Kind = "single"   // one option (radio buttons)
	Multiple Kind = "multiple" // any options (checkboxes)
	Number   Kind = "number"   // a number within bounds
	Scale    Kind = "scale"    // an integer from Min to Max, with end labels
	Commune  Kind = "commune"  // a French commune, by name or INSEE code
	Days     Kind = "days"     // day and time choices: days × parts of the day
	FreeText Kind = "text"     // free text
)

// Kinds lists every kind, in the editor's order.
var Kinds = []Kind{Single, Multiple, Number, Scale, Commune, Days, FreeText}

// Choice tells whether answers of the kind are option codes.
func (k Kind) Choice() bool { return k == Single || k == Multiple || k == Scale || k == Days }

// OtherCode is the option code of "Autre (précisez)", whose text is kept
// in Value.Other.
const OtherCode = "other"

// Option is one possible answer of a choice question. Its code is stable
// across versions: results add up answers by code.
type Option struct {
	Code  string `json:"code"`
	Label Text   `json:"label"`
}

// Condition shows a question only when another (earlier) choice question
// was answered with one of the options.
type Condition struct {
	Question string   `json:"question"`
	AnyOf    []string `json:"any_of"`
}

// Question is one question of a questionnaire.
type Question struct {
	// ID is stable across versions: results add up answers by ID.
	ID   string `json:"id"`
	Kind Kind   `json:"kind"`
	// Section, when set, opens a new part of the form before the question.
	Section  Text `json:"section,omitzero"`
	Label    Text `json:"label"`
	Help     Text `json:"help,omitzero"`
	Required bool `json:"required,omitempty"`
	// Options of single and multiple questions; scale and days questions
	// have theirs generated (see Choices).
	Options []Option `json:"options,omitempty"`
	// Other adds "Autre (précisez)" with a text to a single or multiple
	// question.
	Other bool `json:"other,omitempty"`
	// Min and Max bound a number (both optional) and give a scale's ends.
	Min *float64 `json:"min,omitempty"`
	Max *float64 `json:"max,omitempty"`
	// Integer numbers only.
	Integer bool `json:"integer,omitempty"`
	// Unit of a number ("km", "min", "€").
	Unit Text `json:"unit,omitzero"`
	// Bands are the upper bounds of the classes a number's distribution is
	// shown in (results, cross-tabulations): [5, 10, 20] gives "< 5",
	// "5 à < 10", "10 à < 20" and "20 et plus".
	Bands []float64 `json:"bands,omitempty"`
	// Low and High label the ends of a scale.
	Low  Text `json:"low,omitzero"`
	High Text `json:"high,omitzero"`
	// ShowIf, when set, asks the question only on that condition.
	ShowIf *Condition `json:"show_if,omitempty"`
}

// Choices returns the options a choice question offers, "other" included.
func (q Question) Choices() []Option {
	switch q.Kind {
	case Scale:
		var out []Option
		if q.Min == nil || q.Max == nil {
			return nil
		}
		for v := int(*q.Min); v <= int(*q.Max); v++ {
			s := fmt.Sprint(v)
			out = append(out, Option{Code: s, Label: Text{FR: s}})
		}
		return out
	case Days:
		return DayParts
	case Single, Multiple:
		if q.Other {
			return append(slices.Clip(q.Options), Option{Code: OtherCode, Label: Text{FR: "Autre", EN: "Other"}})
		}
		return q.Options
	}
	return nil
}

// Option returns the option of a choice question with that code.
func (q Question) Option(code string) (Option, bool) {
	for _, o := range q.Choices() {
		if o.Code == code {
			return o, true
		}
	}
	return Option{}, false
}

// The days and parts of the day a Days question offers.
var (
	Weekdays = []Option{
		{Code: "mon", Label: Text{FR: "lundi", EN: "Monday"}},
		{Code: "tue", Label: Text{FR: "mardi", EN: "Tuesday"}},
		{Code: "wed", Label: Text{FR: "mercredi", EN: "Wednesday"}},
		{Code: "thu", Label: Text{FR: "jeudi", EN: "Thursday"}},
		{Code: "fri", Label: Text{FR: "vendredi", EN: "Friday"}},
		{Code: "sat", Label: Text{FR: "samedi", EN: "Saturday"}},
	}
	DayPeriods = []Option{
		{Code: "am", Label: Text{FR: "matin", EN: "morning"}},
		{Code: "pm", Label: Text{FR: "après-midi", EN: "afternoon"}},
		{Code: "eve", Label: Text{FR: "soir", EN: "evening"}},
	}
	// DayParts are the options of a Days question: "mon_am", "mon_pm"…
	DayParts = dayParts()
)

func dayParts() []Option {
	var out []Option
	for _, d := range Weekdays {
		for _, p := range DayPeriods {
			out = append(out, Option{Code: d.Code + "_" + p.Code,
				Label: Text{FR: d.Label.FR + " " + p.Label.FR, EN: d.Label.EN + " " + p.Label.EN}})
		}
	}
	return out
}

// Demand says which answers count as a likely regular user of a place,
// for the estimated demand.
type Demand struct {
	Question string   `json:"question"`
	AnyOf    []string `json:"any_of"`
}

// Crosstab is a cross-tabulation the results show: the answers to Row by
// the answers to Col (single-choice, scale or commune questions, or
// numbers by their bands: questions whose classes partition the answers).
type Crosstab struct {
	Row string `json:"row"`
	Col string `json:"col"`
}

// Questionnaire is one version of a campaign's questions.
type Questionnaire struct {
	Questions []Question `json:"questions"`
	// Residence is the commune question that places a respondent in the
	// territory: results per commune and EPCI are by this answer.
	Residence string `json:"residence"`
	// Demand, when set, gives the estimated demand.
	Demand    *Demand    `json:"demand,omitempty"`
	Crosstabs []Crosstab `json:"crosstabs,omitempty"`
}

// Question returns the question with that ID.
func (qn Questionnaire) Question(id string) (Question, bool) {
	for _, q := range qn.Questions {
		if q.ID == id {
			return q, true
		}
	}
	return Question{}, false
}

var (
	idPattern   = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)
	codePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_]{0,39}$`)
)

// Check tells what is wrong with a questionnaire, as problems keyed by
// "q.<id>" (or "questionnaire"), with message keys.
func (qn Questionnaire) Check() map[string]string {
	p := map[string]string{}
	add := func(field, key string) {
		if _, ok := p[field]; !ok {
			p[field] = key
		}
	}
	seen := map[string]int{}
	for i, q := range qn.Questions {
		f := "q." + q.ID
		if !idPattern.MatchString(q.ID) {
			add(fmt.Sprintf("q#%d", i), "survey.editor.id_invalid")
			continue
		}
		if _, dup := seen[q.ID]; dup {
			add(f, "survey.editor.id_taken")
		}
		seen[q.ID] = i
		if q.Label.FR == "" || len(q.Label.FR) > 300 || len(q.Label.EN) > 300 {
			add(f, "survey.editor.label_required")
		}
		if !slices.Contains(Kinds, q.Kind) {
			add(f, "survey.editor.kind_invalid")
		}
		switch q.Kind {
		case Single, Multiple:
			if len(q.Options) < 2 {
				add(f, "survey.editor.options_required")
			}
			if len(q.Options) >= maxCodes {
				add(f, "survey.editor.too_many_options")
			}
			codes := map[string]bool{}
			for _, o := range q.Options {
				if !codePattern.MatchString(o.Code) || o.Code == OtherCode || codes[o.Code] || o.Label.FR == "" {
					add(f, "survey.editor.option_invalid")
				}
				codes[o.Code] = true
			}
		case Scale:
			if q.Min == nil || q.Max == nil || *q.Min != float64(int(*q.Min)) || *q.Max != float64(int(*q.Max)) ||
				*q.Max <= *q.Min || *q.Max-*q.Min > 10 {
				add(f, "survey.editor.scale_invalid")
			}
		case Number:
			if q.Min != nil && q.Max != nil && *q.Max < *q.Min {
				add(f, "survey.editor.bounds_invalid")
			}
			if !slices.IsSorted(q.Bands) {
				add(f, "survey.editor.bands_invalid")
			}
		}
		if c := q.ShowIf; c != nil {
			j, ok := seen[c.Question]
			if !ok || j >= i || !qn.Questions[j].Kind.Choice() || len(c.AnyOf) == 0 {
				add(f, "survey.editor.condition_invalid")
			} else {
				for _, code := range c.AnyOf {
					if _, ok := qn.Questions[j].Option(code); !ok {
						add(f, "survey.editor.condition_invalid")
					}
				}
			}
		}
	}
	if r, ok := qn.Question(qn.Residence); !ok || r.Kind != Commune || r.ShowIf != nil {
		add("questionnaire", "survey.editor.residence_required")
	}
	if d := qn.Demand; d != nil {
		q, ok := qn.Question(d.Question)
		if !ok || !q.Kind.Choice() || len(d.AnyOf) == 0 {
			add("questionnaire", "survey.editor.demand_invalid")
		}
	}
	for _, x := range qn.Crosstabs {
		r, ok1 := qn.Question(x.Row)
		c, ok2 := qn.Question(x.Col)
		if !ok1 || !ok2 || !exclusive(r) || !exclusive(c) || x.Row == x.Col {
			add("questionnaire", "survey.editor.crosstab_invalid")
		}
	}
	return p
}
