package web

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
)

func TestAPICalls_ListAndApplications(t *testing.T) {
	ie := newInstrEnv(t)
	ctx := context.Background()
	rec := ie.do(request{method: "GET", path: "/api/v1/calls"})
	var calls struct {
		Calls []struct {
			ID, Title, OpensOn, ClosesOn string
			Open                         bool
			Applications                 int
		} `json:"calls"`
	}
	if rec.Code != 200 || json.Unmarshal(rec.Body.Bytes(), &calls) != nil || len(calls.Calls) != 1 {
		t.Fatalf("calls %d %s", rec.Code, rec.Body)
	}
	if c := calls.Calls[0]; c.ID != ie.call.PublicID || c.Title != "Tiers-lieux 2026" || !c.Open || c.Applications != 3 {
		t.Errorf("call %+v", c)
	}
	coordToken, err := ie.acc.CreateAPIToken(ctx, ie.coord.ID, "test")
	if err != nil {
		t.Fatal(err)
	}
	memberToken, err := ie.acc.CreateAPIToken(ctx, ie.member.ID, "test")
	if err != nil {
		t.Fatal(err)
	}
	path := "/api/v1/calls/" + ie.call.PublicID + "/applications"
	if rec := ie.do(request{method: "GET", path: path, bearer: memberToken}); rec.Code != http.StatusForbidden {
		t.Errorf("a member: %d", rec.Code)
	}
	if rec := ie.do(request{method: "GET", path: path}); rec.Code != http.StatusUnauthorized {
		t.Errorf("anonymous: %d", rec.Code)
	}
	rec = ie.do(request{method: "GET", path: path + "?tri=structure", bearer: coordToken})
	var got struct {
		Applications []map[string]any `json:"applications"`
	}
	if rec.Code != 200 || json.Unmarshal(rec.Body.Bytes(), &got) != nil || len(got.Applications) != 3 {
		t.Fatalf("applications %d %s", rec.Code, rec.Body)
	}
	zinc := got.Applications[0]
	commune, _ := zinc["commune"].(map[string]any)
	if zinc["id"] != ie.marseille.PublicID || zinc["state"] != "submitted" || zinc["structure"] != "Association Zinc" ||
		commune["code"] != "13055" || commune["name"] != "Marseille" || commune["density_level"] != float64(1) || commune["rural"] != false {
		t.Errorf("application %v", zinc)
	}
	if lurs, _ := got.Applications[2]["commune"].(map[string]any); lurs["rural"] != true || lurs["density_level"].(float64) < 5 {
		t.Errorf("Lurs %v", lurs)
	}
	rec = ie.do(request{method: "GET", path: path + "?zone=rural", bearer: coordToken})
	if json.Unmarshal(rec.Body.Bytes(), &got) != nil || len(got.Applications) != 1 {
		t.Errorf("rural filter: %s", rec.Body)
	}
	if rec := ie.do(request{method: "GET", path: "/api/v1/calls/inconnu/applications", bearer: coordToken}); rec.Code != http.StatusNotFound {
		t.Errorf("unknown call: %d", rec.Code)
	}
}
