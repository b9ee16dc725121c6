package survey

import (
	"context"
	"database/sql"
	"errors"
	"math"
	"slices"

	"coopconnect/internal/db"
)

// Around is the estimated demand around a commune: the communes of the
// most recent campaign covering it that lie within the travel time most
// residents accept, and the regular users the campaign's answers let one
// expect there.
type Around struct {
	SurveyID, SurveyTitle string
	// Minutes is the travel time used; Source says where it came from:
	// "answers" (the median of the campaign's travel_time answers),
	// "asked" (given by the caller) or "default" (too few answers).
	Minutes int
	Source  string
	// RadiusKm approximates Minutes as a straight-line distance: 60 km/h
	// on the road, × 0.8 for the detours (so 0.8 km a minute).
	RadiusKm float64
	// Communes are the campaign's communes within RadiusKm, nearest first.
	Communes []string
	// Active is their active population (15–64, INSEE).
	Active int
	// Responses is the number of answers from the communes whose count is
	// shown; HiddenCommunes the number of communes with too few answers
	// to show (their answers still count in the campaign's share).
	Responses, HiddenCommunes int
	// Share of the campaign's respondents who would come regularly, with
	// its 95% interval, from the whole campaign (a commune's own share
	// rests on too few answers).
	Share, Low, High float64
	// Estimate = Share × Active, with its interval.
	Estimate, EstimateLow, EstimateHigh int
	// Hidden: the campaign's demand itself rests on too few answers.
	Hidden bool
}

// kmPerMinute converts a travel time into a straight-line distance: 60
// km/h on the road, 0.8 of it as the crow flies.
const kmPerMinute = 0.8 // 60 km/h is 1 km a minute

// travelMinutes are the minutes of the travel_time options; "more than
// 30" counts as 45.
var travelMinutes = map[string]int{"up_to_5": 5, "up_to_10": 10, "up_to_15": 15, "up_to_20": 20, "up_to_30": 30, "more_30": 45}

// DefaultTravelMinutes is the travel time used when the answers do not
// give one.
const DefaultTravelMinutes = 15

// DemandAround estimates the demand around a commune (INSEE code), within
// minutes of travel (0: the median the campaign's residents accept). It
// returns nil when no campaign covers the commune. Hidden cells stay
// hidden: only the whole campaign's share and the communes' shown counts
// are used.
func (s *Service) DemandAround(ctx context.Context, communeCode string, minutes int) (*Around, error) {
	var publicID string
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		today := "9999-12-31"
		if s.Clock != nil {
			today = Paris(s.Clock.Now())
		}
		return tx.QueryRowContext(ctx, `SELECT s.public_id FROM surveys s JOIN survey_communes sc ON sc.survey_id = s.id
			WHERE sc.commune_code = $1 AND s.opens_on <= $2 ORDER BY s.opens_on DESC, s.id DESC LIMIT 1`, communeCode, today).Scan(&publicID)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	sv, err := s.Get(ctx, publicID)
	if err != nil {
		return nil, err
	}
	res, err := s.Results(ctx, sv, "")
	if err != nil {
		return nil, err
	}
	a := &Around{SurveyID: sv.PublicID, SurveyTitle: sv.Title, Minutes: minutes, Source: "asked"}
	if minutes <= 0 {
		a.Minutes, a.Source = DefaultTravelMinutes, "default"
		if m := medianTravel(res); m > 0 {
			a.Minutes, a.Source = m, "answers"
		}
	}
	a.RadiusKm = float64(a.Minutes) * kmPerMinute
	in := map[string]bool{}
	for _, c := range sv.Communes {
		in[c.Code] = true
	}
	for _, c := range s.Territory.Within(communeCode, a.RadiusKm) {
		if in[c.Code] {
			a.Communes = append(a.Communes, c.Code)
		}
	}
	if len(a.Communes) == 0 && in[communeCode] {
		a.Communes = []string{communeCode}
	}
	if t, err := s.Territory.Sum(a.Communes...); err == nil {
		a.Active = t.ActivePopulation
	}
	counts, err := s.Breakdown(ctx, sv)
	if err != nil {
		return nil, err
	}
	for _, c := range counts {
		if c.Kind != "commune" || !slices.Contains(a.Communes, c.Code) {
			continue
		}
		if c.Hidden {
			a.HiddenCommunes++
		} else {
			a.Responses += c.Responses
		}
	}
	d := res.Demand
	if d == nil || d.Hidden || d.Answered == 0 {
		a.Hidden = true
		return a, nil
	}
	a.Share, a.Low, a.High = d.Share, d.Low, d.High
	a.Estimate = int(math.Round(d.Share * float64(a.Active)))
	a.EstimateLow = int(math.Round(d.Low * float64(a.Active)))
	a.EstimateHigh = int(math.Round(d.High * float64(a.Active)))
	return a, nil
}

// medianTravel is the median travel time of the campaign's travel_time
// answers, from the shown cells only; 0 when none can be read.
func medianTravel(res Results) int {
	for _, q := range res.Questions {
		if q.Question.ID != "travel_time" || q.Hidden {
			continue
		}
		type cell struct{ minutes, count int }
		var cells []cell
		total := 0
		for _, c := range q.Cells {
			m, ok := travelMinutes[c.Code]
			if !ok || c.Hidden || c.Count == 0 {
				continue
			}
			cells = append(cells, cell{m, c.Count})
			total += c.Count
		}
		if total == 0 {
			return 0
		}
		slices.SortFunc(cells, func(a, b cell) int { return a.minutes - b.minutes })
		seen := 0
		for _, c := range cells {
			seen += c.count
			if 2*seen >= total {
				return c.minutes
			}
		}
	}
	return 0
}
