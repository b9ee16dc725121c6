package web

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"coopconnect/internal/survey"
)

func TestAPISurveys_ListAndResultsShape(t *testing.T) {
	re := newResultsEnv(t)
	var list struct {
		Surveys []map[string]any `json:"surveys"`
	}
	rec := re.api(re.coord, "/api/v1/surveys")
	if err := json.Unmarshal(rec.Body.Bytes(), &list); err != nil || len(list.Surveys) != 1 {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	s := list.Surveys[0]
	if s["id"] != re.sv.PublicID || s["responses"] != 50.0 || s["state"] != "open" || s["opens_on"] != "2026-03-01" {
		t.Errorf("coordinator's list %v", s)
	}
	if terr := s["territory"].([]any); len(terr) != 1 || terr[0].(map[string]any)["code"] != "240400440" {
		t.Errorf("territory %v", s["territory"])
	}
	rec = re.api(re.official, "/api/v1/surveys")
	list.Surveys = nil
	if err := json.Unmarshal(rec.Body.Bytes(), &list); err != nil || len(list.Surveys) != 1 {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	if s := list.Surveys[0]; s["responses"] != nil || !slices.Equal(toStrings(s["readable_territories"]), []string{"04088"}) {
		t.Errorf("official's list %v", s)
	}
	rec = re.api(re.stranger, "/api/v1/surveys")
	if rec.Code != 200 || strings.TrimSpace(rec.Body.String()) != `{"surveys":[]}` {
		t.Errorf("an official of elsewhere sees %s", rec.Body)
	}

	rec = re.api(re.official, "/api/v1/surveys/"+re.sv.PublicID+"/results?territory=04088")
	var doc struct {
		Responses int `json:"responses"`
		Questions []struct {
			ID       string           `json:"id"`
			Label    string           `json:"label"`
			Answered int              `json:"answered"`
			Options  []map[string]any `json:"options"`
			Summary  map[string]any   `json:"summary"`
		} `json:"questions"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil || doc.Responses != 40 {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	for _, q := range doc.Questions {
		switch q.ID {
		case "status":
			if q.Answered != 40 || q.Label != "Quelle est votre situation\u00a0?" {
				t.Errorf("status %+v", q)
			}
			for _, o := range q.Options {
				switch o["code"] {
				case "employee":
					lo, hi := survey.Wilson(25, 40)
					if o["count"] != 25.0 || o["proportion"] != 0.625 || o["hidden"] != false ||
						o["ci_low"] != float64(int(lo*1e4+0.5))/1e4 || o["ci_high"] != float64(int(hi*1e4+0.5))/1e4 {
						t.Errorf("employee %v", o)
					}
				case "job_seeker":
					if len(o) != 3 || o["hidden"] != true || o["label"] != "En recherche d'emploi" {
						t.Errorf("a hidden cell shows %v", o)
					}
				}
			}
		case "commute_km":
			// 15 × 12 km and 10 × 30 km: mean 19,2, median 12.
			if q.Summary["mean"] != 19.2 || q.Summary["median"] != 12.0 || q.Summary["ci_low"].(float64) >= 19.2 || q.Summary["unit"] != "km" || len(q.Options) == 0 {
				t.Errorf("commute_km %+v", q)
			}
		}
	}
}

func toStrings(v any) []string {
	var out []string
	xs, _ := v.([]any)
	for _, x := range xs {
		s, _ := x.(string)
		out = append(out, s)
	}
	return out
}
