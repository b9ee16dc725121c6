package web

import (
	"bytes"
	"compress/zlib"
	"io"
	"net/http"
	"strings"
	"testing"

	"coopconnect/internal/accounts"
	"coopconnect/internal/db"
	"coopconnect/internal/places"
	"coopconnect/internal/survey"
)

// printKitText inflates every compressed stream of a PDF, for the text
// its pages show (as "(text) Tj").
func printKitText(t *testing.T, pdf []byte) string {
	t.Helper()
	var out strings.Builder
	for rest := pdf; ; {
		i := bytes.Index(rest, []byte("stream\n"))
		if i < 0 {
			break
		}
		rest = rest[i+len("stream\n"):]
		j := bytes.Index(rest, []byte("\nendstream"))
		if j < 0 {
			t.Fatal("a stream without its end")
		}
		if r, err := zlib.NewReader(bytes.NewReader(rest[:j])); err == nil {
			b, _ := io.ReadAll(r)
			out.Write(b)
		}
		rest = rest[j+len("\nendstream"):]
	}
	return out.String()
}

func TestSurveyKit_PDFsForTheCampaignTeam(t *testing.T) {
	e := newEnv(t, db.SQLite, nil)
	ctx := t.Context()
	coord := e.user("coord@example.fr", accounts.Coordinator)
	mine := e.user("gestion@example.fr", accounts.Manager)
	other := e.user("autre@example.fr", accounts.Manager)
	member := e.user("membre@example.fr", accounts.Member)
	carrier, err := e.srv.Places.CreateCarrier(ctx, coord, places.CarrierInput{Name: "Pays de Forcalquier", Kind: "individual"})
	if err != nil {
		t.Fatal(err)
	}
	otherCarrier, err := e.srv.Places.CreateCarrier(ctx, coord, places.CarrierInput{Name: "Autre porteur", Kind: "individual"})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.srv.Places.AddManager(ctx, coord, carrier.ID, mine.Email); err != nil {
		t.Fatal(err)
	}
	if err := e.srv.Places.AddManager(ctx, coord, otherCarrier.ID, other.Email); err != nil {
		t.Fatal(err)
	}
	sv, err := e.srv.Surveys.Create(ctx, coord, survey.Input{Title: "Travailler près de chez soi", Intro: "Un lieu partagé près de chez vous\u00a0?",
		Privacy: survey.DefaultPrivacy, OpensOn: "2026-02-01", ClosesOn: "2026-03-15", Areas: "04088", CarrierID: carrier.ID})
	if err != nil {
		t.Fatal(err)
	}
	if len(sv.Communes) != 1 || sv.Communes[0].Link == "" {
		t.Fatalf("communes of the campaign: %+v", sv.Communes)
	}
	link := sv.Communes[0].Link
	base := "/gestion/enquetes/" + sv.PublicID
	flyer, paper := base+"/diffusion/04088/tract", base+"/questionnaire-papier"

	get := func(u accounts.User, path string) *http.Response {
		t.Helper()
		return e.do(request{method: "GET", path: path, cookie: e.session(u)}).Result()
	}
	for _, c := range []struct {
		who  accounts.User
		name string
		want int
	}{{other, "another carrier's manager", 404}, {member, "a member", 403}} {
		for _, path := range []string{flyer, paper, paper + "?commune=04088"} {
			if got := get(c.who, path).StatusCode; got != c.want {
				t.Errorf("%s gets %s: %d, want %d", c.name, path, got, c.want)
			}
		}
	}
	if got := e.do(request{method: "GET", path: flyer}).Code; got != http.StatusSeeOther {
		t.Errorf("anonymous gets the flyer: %d, want the login page", got)
	}
	// Not one of the campaign's communes, an unknown campaign: not found.
	for _, path := range []string{base + "/diffusion/05061/tract", paper + "?commune=05061", "/gestion/enquetes/inconnue/questionnaire-papier"} {
		if got := get(coord, path).StatusCode; got != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", path, got)
		}
	}

	// The campaign's team gets the PDFs.
	for _, c := range []struct {
		who                   accounts.User
		path, file, size      string
		shows                 []string
		annotation, absentTxt string
	}{
		{coord, flyer, "tract-enquete-04088-forcalquier.pdf", "[0 0 419.53 595.28]",
			[]string{"(Vous habitez Forcalquier", "(localhost:8080/e/" + link + ") Tj", "(Jusqu'au 15 mars 2026) Tj"},
			"/URI (http://localhost:8080/e/" + link + ")", ""},
		{mine, flyer + "?lang=en", "tract-enquete-04088-forcalquier.pdf", "[0 0 419.53 595.28]",
			[]string{"(A place to work", "(Until 15 March 2026) Tj"}, "", "Jusqu'au"},
		{coord, paper, "questionnaire-papier-travailler-pres-de-chez-soi.pdf", "[0 0 595.28 841.89]",
			[]string{"(Dans quelle commune habitez-vous\xa0?) Tj", "localhost:8080/enquetes/" + sv.PublicID + ")", "(page 1/"}, "", "Forcalquier"},
		{mine, paper + "?commune=04088", "questionnaire-papier-travailler-pres-de-chez-soi-04088.pdf", "[0 0 595.28 841.89]",
			[]string{"(Commune de Forcalquier) Tj", "localhost:8080/e/" + link + ")", "la mairie de Forcalquier."}, "", ""},
	} {
		rec := e.do(request{method: "GET", path: c.path, cookie: e.session(c.who)})
		if rec.Code != http.StatusOK {
			t.Errorf("%s: %d, want 200", c.path, rec.Code)
			continue
		}
		h := rec.Header()
		if h.Get("Content-Type") != "application/pdf" || h.Get("Content-Disposition") != `attachment; filename="`+c.file+`"` {
			t.Errorf("%s: sent as %q, %q", c.path, h.Get("Content-Type"), h.Get("Content-Disposition"))
		}
		body := rec.Body.Bytes()
		if !bytes.HasPrefix(body, []byte("%PDF-1.")) || !bytes.Contains(body, []byte("/MediaBox "+c.size)) {
			t.Errorf("%s: not a PDF of the page size %s", c.path, c.size)
		}
		if c.annotation != "" && !bytes.Contains(body, []byte(c.annotation)) {
			t.Errorf("%s: the QR code does not link to %s", c.path, c.annotation)
		}
		text := printKitText(t, body)
		for _, want := range c.shows {
			if !strings.Contains(text, want) {
				t.Errorf("%s: the PDF does not show %q", c.path, want)
			}
		}
		if c.absentTxt != "" && strings.Contains(text, c.absentTxt) {
			t.Errorf("%s: the PDF shows %q", c.path, c.absentTxt)
		}
	}
}
