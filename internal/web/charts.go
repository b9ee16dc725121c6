package web

import (
	"fmt"
	"html/template"
	"math"
	"slices"
	"strings"
	"unicode/utf8"

	"coopconnect/internal/i18n"
)

// Charts are drawn on the server as SVG: no script, printable, and
// readable by assistive technologies through their accessible name (the
// caption the SVG is labelled by) and the table beside them, which
// carries every number the chart shows. Hidden cells (fewer than
// survey.MinCell answers) are not drawn: they are written "moins de 5".

// chartBar is one bar of a chart: a share with its 95% interval, or a
// hidden cell.
type chartBar struct {
	Label            string
	Count            int
	Share, Low, High float64 // fractions
	Hidden           bool
}

// chart is a horizontal bar chart with its table.
type chart struct {
	// ID is the id of the caption the SVG is labelled by.
	ID      string
	Caption string
	SVG     template.HTML
	Rows    []chartRow
}

// chartRow is one line of a chart's table, as written.
type chartRow struct {
	Label, Count, Share, Interval string
	Hidden                        bool
}

// percent writes a fraction as a whole percentage, "36 %" in French
// (with a no-break space) and "36%" in English.
func resPercent(l *i18n.Localizer, f float64) string {
	n := l.Number(int64(math.Round(f * 100)))
	if l.Lang == "fr" {
		return n + "\u00a0%"
	}
	return n + "%"
}

// interval writes a 95% interval of fractions: "de 32 % à 41 %".
func resInterval(l *i18n.Localizer, low, high float64) string {
	return l.T("results.interval", resPercent(l, low), resPercent(l, high))
}

// lessThanMin is what a hidden cell reads.
func resHidden(l *i18n.Localizer) string { return l.T("results.less_than_min") }

// Geometry of the bar charts, in SVG user units (the SVG scales to its
// container).
const (
	chartWidth   = 640
	chartLeft    = 8
	chartRight   = 560 // where the scale ends; the value is written after the whisker
	chartRowH    = 46
	chartTop     = 8
	chartAxis    = 26
	chartMaxText = 78 // runes of a label before it is cut (the table has it whole)
)

// chartAxisMax returns the end of a chart's scale and its step: the highest
// upper bound rounded up, by tenths (fifths above one half).
func chartAxisMax(bars []chartBar) (float64, float64) {
	hi := 0.0
	for _, b := range bars {
		if !b.Hidden {
			hi = max(hi, b.High, b.Share)
		}
	}
	step := 0.1
	if hi > 0.5 {
		step = 0.2
	}
	top := math.Ceil(hi/step-1e-9) * step
	return min(max(top, step), 1), step
}

func resCut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:n-1])) + "…"
}

// esc escapes a text for SVG (XML) content and attributes.
func svgEscape(s string) string { return template.HTMLEscapeString(s) }

// barChart draws bars with their intervals as whiskers, the value written
// after each; the table beside it gives the same numbers.
func barChart(l *i18n.Localizer, id, caption string, bars []chartBar) chart {
	c := chart{ID: id, Caption: caption}
	for _, b := range bars {
		row := chartRow{Label: b.Label, Hidden: b.Hidden}
		if b.Hidden {
			row.Count = resHidden(l)
		} else {
			row.Count = l.Number(int64(b.Count))
			row.Share = resPercent(l, b.Share)
			row.Interval = resInterval(l, b.Low, b.High)
		}
		c.Rows = append(c.Rows, row)
	}
	top, step := chartAxisMax(bars)
	x := func(f float64) float64 { return chartLeft + (chartRight-chartLeft)*min(f, top)/top }
	height := chartTop + len(bars)*chartRowH + chartAxis
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart-svg" role="img" aria-labelledby="%s" viewBox="0 0 %d %d" width="%d" height="%d" focusable="false" xmlns="http://www.w3.org/2000/svg">`,
		svgEscape(id), chartWidth, height, chartWidth, height)
	// The scale: a line and its label every step.
	base := chartTop + len(bars)*chartRowH
	for v := 0.0; v <= top+1e-9; v += step {
		fmt.Fprintf(&b, `<line class="chart-grid" x1="%.1f" y1="%d" x2="%.1f" y2="%d"/>`, x(v), chartTop, x(v), base)
		anchor := "middle"
		if v == 0 {
			anchor = "start"
		}
		fmt.Fprintf(&b, `<text class="chart-axis" x="%.1f" y="%d" text-anchor="%s">%s</text>`, x(v), base+18, anchor, svgEscape(resPercent(l, v)))
	}
	for i, bar := range bars {
		y := chartTop + i*chartRowH
		fmt.Fprintf(&b, `<g class="chart-bar"><text class="chart-label" x="%d" y="%d">%s</text>`, chartLeft, y+15, svgEscape(resCut(bar.Label, chartMaxText)))
		if bar.Hidden {
			fmt.Fprintf(&b, `<text class="chart-hidden" x="%d" y="%d">%s</text></g>`, chartLeft, y+36, svgEscape(resHidden(l)))
			continue
		}
		w := max(x(bar.Share)-chartLeft, 0)
		fmt.Fprintf(&b, `<rect class="chart-fill" x="%d" y="%d" width="%.1f" height="14" rx="2"/>`, chartLeft, y+22, w)
		lo, hi := x(bar.Low), x(bar.High)
		mid := y + 29
		fmt.Fprintf(&b, `<path class="chart-whisker" d="M%.1f %dH%.1fM%.1f %dV%dM%.1f %dV%d"/>`, lo, mid, hi, lo, mid-6, mid+6, hi, mid-6, mid+6)
		fmt.Fprintf(&b, `<text class="chart-value" x="%.1f" y="%d">%s</text></g>`, max(hi, x(bar.Share))+6, mid+5, svgEscape(resPercent(l, bar.Share)))
	}
	b.WriteString(`</svg>`)
	c.SVG = template.HTML(b.String()) // every text in it is escaped above
	return c
}

// mapPoint is a commune on the map of answers.
type mapPoint struct {
	Code, Name string
	Lat, Lon   float64
	Responses  int
	Hidden     bool
}

// Geometry of the map.
const (
	mapWidth   = 640
	mapPad     = 36
	mapMaxR    = 28.0
	mapHiddenR = 4.0
	mapLabels  = 12 // communes named on the map, the most answered
)

// answersMap draws the communes as circles whose area is proportional to
// their answers (an equirectangular projection of their centres: no
// tiles, nothing fetched). A commune under survey.MinCell answers is an
// empty dotted ring. The table of communes is its text alternative.
func answersMap(l *i18n.Localizer, id string, points []mapPoint) template.HTML {
	var pts []mapPoint
	for _, p := range points {
		if p.Lat != 0 || p.Lon != 0 {
			pts = append(pts, p)
		}
	}
	if len(pts) == 0 {
		return ""
	}
	minLat, maxLat, minLon, maxLon := pts[0].Lat, pts[0].Lat, pts[0].Lon, pts[0].Lon
	most := 0
	for _, p := range pts {
		minLat, maxLat = min(minLat, p.Lat), max(maxLat, p.Lat)
		minLon, maxLon = min(minLon, p.Lon), max(maxLon, p.Lon)
		if !p.Hidden {
			most = max(most, p.Responses)
		}
	}
	k := math.Cos((minLat + maxLat) / 2 * math.Pi / 180)
	spanX, spanY := (maxLon-minLon)*k, maxLat-minLat
	inner := float64(mapWidth - 2*mapPad)
	scale := inner / max(spanX, spanY*1.2, 1e-6)
	height := int(math.Ceil(spanY*scale)) + 2*mapPad
	offX := (inner - spanX*scale) / 2
	px := func(p mapPoint) (float64, float64) {
		return mapPad + offX + (p.Lon-minLon)*k*scale, mapPad + (maxLat-p.Lat)*scale
	}
	radius := func(p mapPoint) float64 {
		if p.Hidden || most == 0 {
			return mapHiddenR
		}
		return max(3, mapMaxR*math.Sqrt(float64(p.Responses)/float64(most)))
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="map-svg" role="img" aria-labelledby="%s" viewBox="0 0 %d %d" width="%d" height="%d" focusable="false" xmlns="http://www.w3.org/2000/svg">`,
		svgEscape(id), mapWidth, height, mapWidth, height)
	fmt.Fprintf(&b, `<rect class="map-ground" x="0" y="0" width="%d" height="%d" rx="8"/>`, mapWidth, height)
	// Largest first, so small circles stay on top and visible.
	order := slices.Clone(pts)
	slices.SortStableFunc(order, func(a, c mapPoint) int { return int(radius(c)*100) - int(radius(a)*100) })
	for _, p := range order {
		cx, cy := px(p)
		class, what := "map-circle", l.T("results.map.answers", p.Name, l.Number(int64(p.Responses)))
		if p.Hidden {
			class, what = "map-circle map-hidden", l.T("results.map.hidden", p.Name)
		}
		fmt.Fprintf(&b, `<circle class="%s" cx="%.1f" cy="%.1f" r="%.1f"><title>%s</title></circle>`, class, cx, cy, radius(p), svgEscape(what))
	}
	// Names of the most answered communes.
	named := slices.Clone(pts)
	named = slices.DeleteFunc(named, func(p mapPoint) bool { return p.Hidden })
	slices.SortStableFunc(named, func(a, c mapPoint) int { return c.Responses - a.Responses })
	for _, p := range named[:min(len(named), mapLabels)] {
		cx, cy := px(p)
		anchor, dx := "start", radius(p)+4
		if cx > mapWidth*0.7 {
			anchor, dx = "end", -dx
		}
		fmt.Fprintf(&b, `<text class="map-label" x="%.1f" y="%.1f" text-anchor="%s">%s</text>`, cx+dx, cy+4, anchor, svgEscape(p.Name))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) // every text in it is escaped above
}
