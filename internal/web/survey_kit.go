package web

import (
	"bytes"
	"net/http"
	"regexp"
	"strings"

	"coopconnect/internal/coop"
	"coopconnect/internal/i18n"
	"coopconnect/internal/survey"
	"coopconnect/internal/territory"
)

// The printable distribution kit of a campaign: per commune, the A5 flyer
// for its bulletin municipal, and the paper questionnaire. Both are
// printed in French unless ?lang=en asks otherwise: they are for the
// residents, whatever language the staff's interface speaks.

// printKitCommune returns the campaign's commune of that INSEE code.
func printKitCommune(sv survey.Survey, code string) (survey.SurveyCommune, error) {
	for _, c := range sv.Communes {
		if c.Code == code {
			return c, nil
		}
	}
	return survey.SurveyCommune{}, coop.Errorf(coop.ENotFound, "error.not_found")
}

// printKitLang is the language of the printed documents: French by default.
func printKitLang(r *http.Request) string {
	if l := r.URL.Query().Get("lang"); i18n.Supported(l) {
		return l
	}
	return i18n.Default
}

// printKitLink is the commune's short link, as printed.
func (s *Server) printKitLink(c survey.SurveyCommune) string {
	return strings.TrimRight(s.BaseURL, "/") + "/e/" + c.Link
}

var printKitUnsafe = regexp.MustCompile(`[^a-z0-9]+`)

// printKitName makes an ASCII file name part from a name: "Saint-Étienne-les-Orgues"
// gives "saint-etienne-les-orgues".
func printKitName(name string) string {
	s := strings.Trim(printKitUnsafe.ReplaceAllString(territory.Normalize(name), "-"), "-")
	if len(s) > 50 {
		s = strings.TrimRight(s[:50], "-")
	}
	return s
}

// sendPrintKitPDF answers a PDF made in full first, so that a failure gives an
// error page rather than half a file.
func sendPrintKitPDF(w http.ResponseWriter, filename string, b *bytes.Buffer) error {
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `attachment; filename="`+filename+`"`)
	w.Header().Set("Cache-Control", "private, no-store")
	_, err := w.Write(b.Bytes())
	return err
}

// downloadKitFlyer sends the A5 flyer of one of the campaign's communes.
func (s *Server) downloadKitFlyer(w http.ResponseWriter, r *http.Request) error {
	sv, err := s.adminSurvey(r)
	if err != nil {
		return err
	}
	c, err := printKitCommune(sv, r.PathValue("commune"))
	if err != nil {
		return err
	}
	var b bytes.Buffer
	if err := survey.Flyer(&b, sv, c, s.printKitLink(c), printKitLang(r)); err != nil {
		return err
	}
	name := "tract-enquete-" + c.Code
	if n := printKitName(c.Name); n != "" {
		name += "-" + n
	}
	return sendPrintKitPDF(w, name+".pdf", &b)
}

// downloadKitPaperForm sends the paper questionnaire of the campaign's
// current version, with the campaign's address; with ?commune=INSEE, that
// commune's name and short link.
func (s *Server) downloadKitPaperForm(w http.ResponseWriter, r *http.Request) error {
	sv, err := s.adminSurvey(r)
	if err != nil {
		return err
	}
	name := "questionnaire-papier"
	if n := printKitName(sv.Title); n != "" {
		name += "-" + n
	}
	var c *survey.SurveyCommune
	url := strings.TrimRight(s.BaseURL, "/") + "/enquetes/" + sv.PublicID
	if code := strings.TrimSpace(r.URL.Query().Get("commune")); code != "" {
		sc, err := printKitCommune(sv, code)
		if err != nil {
			return err
		}
		c, url = &sc, s.printKitLink(sc)
		name += "-" + sc.Code
	}
	var b bytes.Buffer
	if err := survey.PaperForm(&b, sv, sv.Version.Questionnaire, c, url, printKitLang(r)); err != nil {
		return err
	}
	return sendPrintKitPDF(w, name+".pdf", &b)
}
