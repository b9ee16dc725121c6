package web

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"coopconnect/internal/db"
)

// TestOpenAPI_DescribesEveryAPIRoute keeps docs/openapi.json true to the
// route table, both ways.
func TestOpenAPI_DescribesEveryAPIRoute(t *testing.T) {
	b, err := os.ReadFile("../../docs/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("docs/openapi.json: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.1") {
		t.Errorf("openapi %q, want 3.1", doc.OpenAPI)
	}
	e := newEnv(t, db.SQLite, nil)
	routes := map[string]bool{}
	for _, rt := range e.srv.Routes() {
		method, path, ok := strings.Cut(rt.Pattern, " ")
		if !rt.API || !ok {
			continue // the catch-all answers JSON 404s
		}
		key := strings.ToLower(method) + " " + strings.TrimPrefix(path, "/api/v1")
		routes[key] = true
		if _, ok := doc.Paths[strings.TrimPrefix(path, "/api/v1")][strings.ToLower(method)]; !ok {
			t.Errorf("%s is not described in docs/openapi.json", rt.Pattern)
		}
	}
	for path, ops := range doc.Paths {
		for method := range ops {
			if !routes[method+" "+path] {
				t.Errorf("docs/openapi.json describes %s %s, which is not a route", method, path)
			}
		}
	}
}
