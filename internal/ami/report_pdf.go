package ami

// The printable report for elected officials: A4, in French, drawn with
// fpdf's core fonts (Helvetica), so the text goes through the cp1252 code
// page as the survey's printed kit does (internal/survey/print.go):
// accents, « », œ, € and no-break spaces are all in it. The territory's
// name and the page number are on every page; figures come with their
// margins written in words.

import (
	"coopconnect/internal/pdfkit"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"

	"coopconnect/internal/places"
	"coopconnect/internal/survey"
)

// The A4 page, in millimetres.
const (
	rpW, rpH    = 210.0, 297.0
	rpLeft      = 18.0
	rpWidth     = rpW - 2*rpLeft
	rpTop       = 22.0
	rpBottom    = rpH - 20
	rpLineSmall = 4.6
	rpLine      = 5.4
)

type reportDoc struct {
	pdf *fpdf.Fpdf
	tr  pdfkit.Encoder
	r   Report
}

func (d *reportDoc) enc(s string) string { return d.tr.Line(s) }

func (d *reportDoc) font(style string, size float64, c pdfkit.Color) {
	d.pdf.SetFont("Helvetica", style, size)
	d.pdf.SetTextColor(c.R, c.G, c.B)
}

// para writes wrapped text at the left margin (indented by indent).
func (d *reportDoc) para(indent, lh float64, s string) {
	d.pdf.SetX(rpLeft + indent)
	d.pdf.MultiCell(rpWidth-indent, lh, d.enc(s), "", "L", false)
}

// need starts a new page unless h millimetres fit on this one.
func (d *reportDoc) need(h float64) {
	if d.pdf.GetY()+h > rpBottom {
		d.pdf.AddPage()
	}
}

func (d *reportDoc) section(title string) {
	d.need(30)
	d.pdf.Ln(4)
	d.font("B", 13, pdfkit.LavenderDeep)
	d.para(0, 7, title)
	y := d.pdf.GetY()
	d.pdf.SetDrawColor(pdfkit.Olive.R, pdfkit.Olive.G, pdfkit.Olive.B)
	d.pdf.SetLineWidth(0.4)
	d.pdf.Line(rpLeft, y+0.5, rpLeft+40, y+0.5)
	d.pdf.Ln(3)
}

func (d *reportDoc) bullet(s string) {
	d.font("", 10, pdfkit.Night)
	d.need(rpLine * 2)
	y := d.pdf.GetY()
	d.pdf.SetFillColor(pdfkit.Olive.R, pdfkit.Olive.G, pdfkit.Olive.B)
	d.pdf.Rect(rpLeft+1, y+rpLine/2-0.8, 1.6, 1.6, "F")
	d.para(5, rpLine, s)
}

func (d *reportDoc) header() {
	d.font("B", 8.5, pdfkit.Olive)
	d.pdf.SetXY(rpLeft, 9)
	d.pdf.CellFormat(rpWidth/2, 5, d.enc("Coop-connect · rapport pour les élus"), "", 0, "L", false, 0, "")
	d.font("", 8.5, pdfkit.NightSoft)
	d.pdf.CellFormat(rpWidth/2, 5, d.enc(d.r.Name), "", 0, "R", false, 0, "")
	d.pdf.SetDrawColor(pdfkit.Olive.R, pdfkit.Olive.G, pdfkit.Olive.B)
	d.pdf.SetLineWidth(0.5)
	d.pdf.Line(rpLeft, 15, rpLeft+rpWidth, 15)
	d.pdf.SetXY(rpLeft, rpTop)
}

func (d *reportDoc) footer() {
	d.pdf.SetDrawColor(pdfkit.Stone.R, pdfkit.Stone.G, pdfkit.Stone.B)
	d.pdf.SetLineWidth(0.3)
	d.pdf.Line(rpLeft, rpH-14, rpLeft+rpWidth, rpH-14)
	d.font("", 8, pdfkit.NightSoft)
	d.pdf.SetXY(rpLeft, rpH-12.5)
	d.pdf.CellFormat(rpWidth-30, 5, d.enc(d.r.Name+" — état au "+frDate(d.r.Day)), "", 0, "L", false, 0, "")
	d.pdf.CellFormat(30, 5, d.enc("page "+strconv.Itoa(d.pdf.PageNo())+"/{nb}"), "", 0, "R", false, 0, "")
}

// WriteReportPDF writes the report as an A4 PDF, in French.
func WriteReportPDF(w io.Writer, r Report) error {
	p := fpdf.NewCustom(&fpdf.InitType{OrientationStr: "P", UnitStr: "mm", Size: fpdf.SizeType{Wd: rpW, Ht: rpH}})
	p.SetMargins(rpLeft, rpTop, rpLeft)
	p.SetAutoPageBreak(true, rpH-rpBottom)
	p.SetCellMargin(0)
	p.SetTitle(strings.ToValidUTF8("Rapport — "+r.Name, ""), true)
	p.SetCreator("Coop-connect", true)
	p.SetLang("fr")
	p.AliasNbPages("{nb}")
	d := &reportDoc{pdf: p, r: r}
	d.tr = pdfkit.NewEncoder(p)
	p.SetHeaderFunc(d.header)
	p.SetFooterFunc(d.footer)
	p.AddPage()
	d.titleBlock()
	d.surveyPart()
	d.placesPart()
	d.applicationsPart()
	d.planPart()
	d.methodPart()
	if err := p.Error(); err != nil {
		return err
	}
	return p.Output(w)
}

// titleBlock: the territory, what it is, and the essentials in a box.
func (d *reportDoc) titleBlock() {
	r := d.r
	d.font("B", 10, pdfkit.Olive)
	d.para(0, 5, "Rapport pour les élus")
	d.font("B", 22, pdfkit.Night)
	d.para(0, 10, r.Name)
	d.font("", 11, pdfkit.NightSoft)
	d.para(0, 6, ReportSubtitle(r))
	d.para(0, 6, "État au "+frDate(r.Day)+", établi par Coop-connect.")
	d.pdf.Ln(4)
	lines := ReportHighlights(r)
	h := float64(len(lines))*rpLine*1.6 + 14
	y := d.pdf.GetY()
	d.pdf.SetFillColor(pdfkit.LavenderPale.R, pdfkit.LavenderPale.G, pdfkit.LavenderPale.B)
	d.pdf.Rect(rpLeft, y, rpWidth, h, "F")
	d.pdf.SetXY(rpLeft+5, y+4)
	d.font("B", 11, pdfkit.LavenderDeep)
	d.pdf.CellFormat(rpWidth-10, 6, d.enc("L'essentiel"), "", 2, "L", false, 0, "")
	for _, l := range lines {
		d.font("", 10.5, pdfkit.Night)
		d.pdf.SetX(rpLeft + 5)
		d.pdf.MultiCell(rpWidth-10, rpLine, d.enc("– "+l), "", "L", false)
	}
	d.pdf.SetY(max(d.pdf.GetY(), y+h) + 2)
}

func (d *reportDoc) surveyPart() {
	r := d.r
	d.section("Ce que disent les habitants")
	d.font("", 10, pdfkit.Night)
	if r.Survey == nil {
		d.para(0, rpLine, "Aucune enquête sur les besoins n'a encore couvert ce territoire. Lancer l'enquête, par exemple avec le bulletin municipal, est la première action à prévoir.")
		return
	}
	sv, res := r.Survey.Survey, r.Survey.Results
	d.para(0, rpLine, fmt.Sprintf("Enquête «\u00a0%s\u00a0», du %s au %s.", sv.Title, frDate(sv.OpensOn), frDate(sv.ClosesOn)))
	if res.Hidden {
		d.para(0, rpLine, fmt.Sprintf("Moins de %d réponses dans ce territoire\u00a0: aucun résultat n'est publié, pour que personne ne puisse être reconnu.", survey.MinCell))
		return
	}
	d.para(0, rpLine, fmt.Sprintf("%s réponses de ce territoire.", frNumber(res.Responses)))
	d.pdf.Ln(2)
	for _, f := range Findings(res, 8) {
		d.bullet(f)
	}
	if dm := res.Demand; dm != nil {
		d.section("Demande estimée")
		d.font("", 10, pdfkit.Night)
		if dm.Hidden {
			d.para(0, rpLine, "Trop peu de réponses pour estimer la demande sans risquer de révéler un petit groupe.")
		} else {
			d.font("B", 12, pdfkit.Night)
			d.para(0, 6.5, fmt.Sprintf("Entre %s et %s usagers réguliers probables", frNumber(dm.EstimateLow), frNumber(dm.EstimateHigh)))
			d.font("", 10, pdfkit.Night)
			d.para(0, rpLine, fmt.Sprintf("%s des répondants viendraient régulièrement (%s), appliqué aux %s actifs de 15 à 64 ans du territoire.",
				Percent(dm.Share), Between(dm.Low, dm.High), frNumber(dm.Active)))
			d.font("I", 9, pdfkit.NightSoft)
			d.para(0, rpLineSmall, "Les personnes intéressées répondent plus volontiers\u00a0: ce chiffre est un plafond plutôt qu'une prévision.")
		}
	}
}

func (d *reportDoc) placesPart() {
	r := d.r
	d.section("Les lieux du territoire")
	d.font("", 10, pdfkit.Night)
	if len(r.Places) == 0 {
		d.para(0, rpLine, "Aucun lieu du réseau dans ce territoire pour l'instant.")
		return
	}
	for _, p := range r.Places {
		d.need(rpLine * 3)
		d.font("B", 10.5, pdfkit.Night)
		d.para(0, rpLine+0.4, p.Name)
		d.font("", 10, pdfkit.NightSoft)
		d.para(0, rpLine, PlaceStatusFR(p.Status)+" · "+p.CommuneName)
		if p.Activity != nil {
			d.font("", 10, pdfkit.Night)
			d.para(0, rpLine, ActivityText(*p.Activity))
		}
		if p.Diagnostic != nil {
			d.para(0, rpLine, DiagnosticText(*p.Diagnostic))
		}
		d.pdf.Ln(1.5)
	}
}

func (d *reportDoc) applicationsPart() {
	r := d.r
	d.section("Les candidatures à l'appel à manifestation d'intérêt")
	d.font("", 10, pdfkit.Night)
	if len(r.Applications) == 0 {
		d.para(0, rpLine, "Aucune candidature de ce territoire pour l'instant.")
		return
	}
	for _, a := range r.Applications {
		d.need(rpLine * 3)
		d.font("B", 10.5, pdfkit.Night)
		d.para(0, rpLine+0.4, a.Structure)
		d.font("", 10, pdfkit.NightSoft)
		d.para(0, rpLine, a.CommuneName+" ("+UrbanFR(a.Urban)+") · "+StateFR(a.State))
		if a.Diagnostic != nil {
			d.font("", 10, pdfkit.Night)
			d.para(0, rpLine, DiagnosticText(*a.Diagnostic))
		}
		d.pdf.Ln(1.5)
	}
}

func (d *reportDoc) planPart() {
	type subject struct {
		name    string
		actions []ReportAction
	}
	var subjects []subject
	for _, p := range d.r.Places {
		if len(p.Actions) > 0 {
			subjects = append(subjects, subject{p.Name, p.Actions})
		}
	}
	for _, a := range d.r.Applications {
		if len(a.Actions) > 0 {
			subjects = append(subjects, subject{a.Structure, a.Actions})
		}
	}
	d.section("Le plan d'action")
	d.font("", 10, pdfkit.Night)
	if len(subjects) == 0 {
		d.para(0, rpLine, "Aucune action n'est encore inscrite.")
		return
	}
	for _, s := range subjects {
		d.need(rpLine * 3)
		d.font("B", 10.5, pdfkit.Night)
		d.para(0, rpLine+0.4, s.name)
		for _, a := range s.actions {
			d.bullet(ActionText(a))
		}
		d.pdf.Ln(1)
	}
}

func (d *reportDoc) methodPart() {
	d.need(30)
	d.pdf.Ln(4)
	d.font("I", 8.5, pdfkit.NightSoft)
	d.para(0, rpLineSmall, fmt.Sprintf("Méthode. Chaque part est donnée avec sa marge\u00a0: l'intervalle de confiance à 95\u00a0%% (méthode de Wilson), qui ne mesure que le hasard de l'échantillon. "+
		"Aucun chiffre ne repose sur moins de %d personnes\u00a0: ces cases sont masquées, ainsi que celles qui permettraient de les retrouver. "+
		"L'activité des lieux porte sur les %d derniers jours\u00a0; elle ne compte que des réservations, jamais des personnes.", survey.MinCell, ActivityDays))
}

// ReportSubtitle says what the territory is: "Communauté de communes ·
// 14 communes · 9 870 habitants".
func ReportSubtitle(r Report) string {
	if r.Kind == "commune" {
		s := "Commune · " + frNumber(r.Population) + " habitants"
		if r.EPCIName != "" {
			s += " · " + r.EPCIName
		}
		return s
	}
	return fmt.Sprintf("%s communes, dont %s rurales · %s habitants", frNumber(len(r.Communes)), frNumber(r.Rural), frNumber(r.Population))
}

// ReportHighlights are the essentials of the report, in a few lines.
func ReportHighlights(r Report) []string {
	var out []string
	if r.Survey != nil {
		res := r.Survey.Results
		switch {
		case res.Hidden:
			out = append(out, fmt.Sprintf("L'enquête a reçu moins de %d réponses ici\u00a0: pas de résultat publié.", survey.MinCell))
		case res.Demand != nil && !res.Demand.Hidden:
			out = append(out, fmt.Sprintf("%s habitants ont répondu à l'enquête\u00a0; entre %s et %s viendraient régulièrement dans un lieu partagé.",
				frNumber(res.Responses), frNumber(res.Demand.EstimateLow), frNumber(res.Demand.EstimateHigh)))
		default:
			out = append(out, fmt.Sprintf("%s habitants ont répondu à l'enquête.", frNumber(res.Responses)))
		}
	} else {
		out = append(out, "Pas encore d'enquête sur les besoins dans ce territoire.")
	}
	open := 0
	for _, p := range r.Places {
		if p.Status == places.StatusOpen || p.Status == places.StatusTesting {
			open++
		}
	}
	switch {
	case len(r.Places) == 0:
		out = append(out, "Aucun lieu du réseau pour l'instant.")
	default:
		out = append(out, fmt.Sprintf("%s du réseau, dont %s ou à l'essai.", plural(len(r.Places), "lieu", "lieux"), plural(open, "ouvert", "ouverts")))
	}
	accepted, actions := 0, 0
	for _, a := range r.Applications {
		if a.State == Accepted {
			accepted++
		}
		actions += len(a.Actions)
	}
	for _, p := range r.Places {
		actions += len(p.Actions)
	}
	out = append(out, fmt.Sprintf("%s à l'appel à manifestation d'intérêt, dont %s\u00a0; %s au plan.",
		plural(len(r.Applications), "candidature", "candidatures"), plural(accepted, "retenue", "retenues"), plural(actions, "action", "actions")))
	return out
}

// plural writes a count with its noun: "1 lieu", "3 lieux", "0 lieu".
func plural(n int, one, many string) string {
	if n > 1 {
		return frNumber(n) + " " + many
	}
	return frNumber(n) + " " + one
}

// Findings writes the survey's main findings: for each choice question,
// its most chosen answers (up to three, shown cells only) with their
// margins; for each number question, its mean with its margin.
func Findings(res survey.Results, limit int) []string {
	var out []string
	for _, q := range res.Questions {
		if len(out) >= limit {
			break
		}
		if q.Hidden {
			continue
		}
		label := strings.TrimRight(q.Question.Label.In("fr"), " \u00a0?:")
		switch q.Question.Kind {
		case survey.Single, survey.Multiple, survey.Scale:
			var parts []string
			used := map[int]bool{}
			best := 0.0
			for range 3 {
				at := -1
				for i, c := range q.Cells {
					if c.Hidden || c.Count == 0 || used[i] {
						continue
					}
					if at < 0 || c.Proportion > q.Cells[at].Proportion {
						at = i
					}
				}
				if at < 0 || (len(parts) > 0 && q.Cells[at].Proportion < best/3) {
					break
				}
				c := q.Cells[at]
				if len(parts) == 0 {
					best = c.Proportion
				}
				used[at] = true
				parts = append(parts, fmt.Sprintf("«\u00a0%s\u00a0» %s (%s)", c.Label.In("fr"), Percent(c.Proportion), Between(c.Low, c.High)))
			}
			if len(parts) > 0 {
				out = append(out, label+"\u00a0: "+strings.Join(parts, "\u00a0; ")+".")
			}
		case survey.Number:
			if s := q.Summary; s != nil && s.N >= survey.MinCell {
				unit := s.Unit.In("fr")
				out = append(out, fmt.Sprintf("%s\u00a0: %s en moyenne (entre %s et %s).", label, withUnit(frDecimal(s.Mean), unit), withUnit(frDecimal(s.Low), unit), withUnit(frDecimal(s.High), unit)))
			}
		}
	}
	return out
}

func withUnit(n, unit string) string {
	if unit == "" {
		return n
	}
	return n + "\u00a0" + unit
}

// Percent writes a fraction as a French percentage: "34 %".
func Percent(f float64) string { return strconv.Itoa(int(math.Round(f*100))) + "\u00a0%" }

// Between writes a margin in words: "entre 31 % et 42 %".
func Between(low, high float64) string { return "entre " + Percent(low) + " et " + Percent(high) }

// ActivityText writes a place's activity over the period.
func ActivityText(a Activity) string {
	if a.Hidden {
		return fmt.Sprintf("Activité des %d derniers jours\u00a0: moins de %d réservations.", ActivityDays, survey.MinCell)
	}
	s := fmt.Sprintf("Activité des %d derniers jours\u00a0: %s réservations", ActivityDays, frNumber(a.Bookings))
	if a.Known {
		s += ", taux d'occupation " + Percent(a.Occupancy) + " des places offertes aux heures d'ouverture"
	}
	return s + "."
}

// DiagnosticText writes a diagnostic: "Diagnostic 62/100 — Demande 70,
// Offre du lieu 45 (ajusté)…".
func DiagnosticText(dg ReportDiagnostic) string {
	var parts []string
	for _, c := range dg.Components {
		p := c.Label + " " + strconv.Itoa(c.Score)
		if c.Adjusted {
			p += " (ajusté)"
		}
		parts = append(parts, p)
	}
	return "Diagnostic\u00a0: " + strconv.Itoa(dg.Score) + "/100 — " + strings.Join(parts, ", ") + "."
}

// ActionText writes an action with its owner, due date and status.
func ActionText(a ReportAction) string {
	s := a.Title
	if a.Owner != "" {
		s += " — " + a.Owner
	}
	if a.DueOn != "" {
		s += ", pour le " + frDate(a.DueOn)
	}
	return s + " (" + ActionStatusFR(a.Status) + ")"
}

// ActionStatusFR names an action's status.
func ActionStatusFR(st string) string {
	switch st {
	case "todo":
		return "à faire"
	case "doing":
		return "en cours"
	case "done":
		return "fait"
	case "dropped":
		return "abandonné"
	}
	return st
}

// StateFR names an application's state.
func StateFR(st State) string {
	switch st {
	case Draft:
		return "brouillon"
	case Submitted:
		return "déposée"
	case Instruction:
		return "en instruction"
	case Accepted:
		return "retenue"
	case Refused:
		return "non retenue"
	case Closed:
		return "classée sans suite"
	}
	return string(st)
}

// PlaceStatusFR names a place's status.
func PlaceStatusFR(st places.Status) string {
	switch st {
	case places.StatusProject:
		return "en projet"
	case places.StatusTesting:
		return "à l'essai"
	case places.StatusOpen:
		return "ouvert"
	case places.StatusClosed:
		return "fermé"
	}
	return string(st)
}

// UrbanFR says urban or rural.
func UrbanFR(urban bool) string {
	if urban {
		return "urbain"
	}
	return "rural"
}

// frNumber writes an integer the French way: "12 345".
func frNumber(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString("\u00a0")
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// frDecimal writes a number with one decimal, French comma.
func frDecimal(f float64) string {
	s := strconv.FormatFloat(math.Round(f*10)/10, 'f', 1, 64)
	s = strings.TrimSuffix(s, ".0")
	return strings.Replace(s, ".", ",", 1)
}

// frDate writes a day (YYYY-MM-DD) as "15 mars 2026", "1er mars 2026".
func frDate(day string) string {
	t, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return day
	}
	months := [...]string{"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"}
	d := strconv.Itoa(t.Day())
	if t.Day() == 1 {
		d = "1er"
	}
	return d + " " + months[t.Month()-1] + " " + strconv.Itoa(t.Year())
}

// FrDate is frDate for the web page.
func FrDate(day string) string { return frDate(day) }

// FrNumber is frNumber for the web page.
func FrNumber(n int) string { return frNumber(n) }
