package web

import (
	"bytes"
	"net/http"
	"strings"

	"coopconnect/internal/ami"
	"coopconnect/internal/coop"
	"coopconnect/internal/i18n"
	"coopconnect/internal/survey"
)

// The report for elected officials, per EPCI or commune: a page and its
// A4 PDF, in French (the report is the officials' document; the page's
// navigation follows the reader's language). Coordinators read every
// report; an official the EPCI and communes of their areas; a manager the
// EPCI of their carriers' places and its communes; any other code is not
// found. Nothing in a report is about a person: survey cells under
// survey.MinCell stay hidden, activity is counted in bookings, and
// applications show their structure, never their contact.

var errReportNotFound = coop.Errorf(coop.ENotFound, "error.not_found")

// reportsView is the list of the reports the caller may read.
type reportsView struct {
	Page
	Reports []reportLink
}

type reportLink struct {
	Code, Name, Kind, Href string
}

// reportView is one territory's report.
type reportView struct {
	Page
	FR           *i18n.Localizer // the report is written in French
	R            ami.Report
	Subtitle     string
	Day          string
	Highlights   []string
	Survey       *reportSurveyView
	Places       []reportItem
	Applications []reportItem
	Plan         []reportPlan
	Urban, Rural int
	PDF          string
	Method       string
}

type reportSurveyView struct {
	Title, Dates, Responses string
	Hidden                  bool
	Findings                []string
	// Demand, when the questionnaire defines it: its range and share in
	// words, or hidden; its method.
	Demand                                 bool
	DemandHidden                           bool
	DemandRange, DemandShare, DemandMethod string
}

type reportItem struct {
	Name, Href, Meta, Activity, Diagnostic string
}

type reportPlan struct {
	Name    string
	Actions []string
}

func (s *Server) showReports(w http.ResponseWriter, r *http.Request) error {
	by := *stateOf(r).user
	codes, all, err := s.Calls.ReportAccess(r.Context(), s.Surveys, by)
	if err != nil {
		return err
	}
	v := &reportsView{Page: s.newPage(r, "report.list_title")}
	if all {
		if codes, err = s.Calls.ReportIndex(r.Context()); err != nil {
			return err
		}
	}
	for _, code := range codes {
		kind, name, ok := s.Calls.ReportTerritory(code)
		if !ok {
			continue
		}
		v.Reports = append(v.Reports, reportLink{Code: code, Name: name, Kind: v.T("report.kind." + kind), Href: "/rapports/" + code})
	}
	return s.render(w, r, http.StatusOK, "reports", v)
}

// showReport answers /rapports/{code} and /rapports/{code}.pdf.
func (s *Server) showReport(w http.ResponseWriter, r *http.Request) error {
	code, pdf := strings.CutSuffix(r.PathValue("file"), ".pdf")
	if _, _, ok := s.Calls.ReportTerritory(code); !ok {
		return errReportNotFound
	}
	ok, err := s.Calls.MayReadReport(r.Context(), s.Surveys, *stateOf(r).user, code)
	if err != nil {
		return err
	}
	if !ok {
		return errReportNotFound
	}
	rep, err := s.Calls.BuildReport(r.Context(), s.Surveys, code, s.Clock.Now())
	if err != nil {
		return err
	}
	if pdf {
		var b bytes.Buffer
		if err := ami.WriteReportPDF(&b, rep); err != nil {
			return err
		}
		h := w.Header()
		h.Set("Content-Type", "application/pdf")
		h.Set("Content-Disposition", `inline; filename="rapport-`+code+`.pdf"`)
		h.Set("Cache-Control", "private, no-store")
		_, err := w.Write(b.Bytes())
		return err
	}
	v := &reportView{Page: s.newPage(r, "report.title"), FR: s.Catalogs.For("fr"), R: rep, Subtitle: ami.ReportSubtitle(rep),
		Day: ami.FrDate(rep.Day), Highlights: ami.ReportHighlights(rep), PDF: "/rapports/" + code + ".pdf"}
	v.Title = v.T("report.page_title", rep.Name)
	fr := v.FR
	if sv := rep.Survey; sv != nil {
		res := sv.Results
		sw := &reportSurveyView{Title: sv.Survey.Title, Dates: fr.T("report.survey.dates", ami.FrDate(sv.Survey.OpensOn), ami.FrDate(sv.Survey.ClosesOn)),
			Hidden: res.Hidden}
		if !res.Hidden {
			sw.Responses = fr.T("report.survey.responses", ami.FrNumber(res.Responses))
			sw.Findings = ami.Findings(res, 8)
			if d := res.Demand; d != nil {
				sw.Demand, sw.DemandHidden = true, d.Hidden
				sw.DemandMethod = resDemandOf(fr, d, sv.Survey.Version.Questionnaire).Method
				if !d.Hidden {
					sw.DemandRange = fr.T("report.demand.range", ami.FrNumber(d.EstimateLow), ami.FrNumber(d.EstimateHigh))
					sw.DemandShare = fr.T("report.demand.share", ami.Percent(d.Share), ami.Between(d.Low, d.High), ami.FrNumber(d.Active))
				}
			}
		}
		v.Survey = sw
	}
	for _, p := range rep.Places {
		it := reportItem{Name: p.Name, Href: "/lieux/" + p.Slug, Meta: ami.PlaceStatusFR(p.Status) + " · " + p.CommuneName}
		if p.Activity != nil {
			it.Activity = ami.ActivityText(*p.Activity)
		}
		if p.Diagnostic != nil {
			it.Diagnostic = ami.DiagnosticText(*p.Diagnostic)
		}
		v.Places = append(v.Places, it)
		if len(p.Actions) > 0 {
			v.Plan = append(v.Plan, reportPlanOf(p.Name, p.Actions))
		}
	}
	for _, a := range rep.Applications {
		it := reportItem{Name: a.Structure, Meta: a.CommuneName + " (" + ami.UrbanFR(a.Urban) + ") · " + ami.StateFR(a.State)}
		if a.Urban {
			v.Urban++
		} else {
			v.Rural++
		}
		if a.Diagnostic != nil {
			it.Diagnostic = ami.DiagnosticText(*a.Diagnostic)
		}
		v.Applications = append(v.Applications, it)
		if len(a.Actions) > 0 {
			v.Plan = append(v.Plan, reportPlanOf(a.Structure, a.Actions))
		}
	}
	v.Method = fr.T("report.method", survey.MinCell, ami.ActivityDays)
	return s.render(w, r, http.StatusOK, "report", v)
}

func reportPlanOf(name string, actions []ami.ReportAction) reportPlan {
	p := reportPlan{Name: name}
	for _, a := range actions {
		p.Actions = append(p.Actions, ami.ActionText(a))
	}
	return p
}
