package web

import (
	"encoding/xml"
	"io"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"coopconnect/internal/i18n"
)

func loc(t *testing.T, lang string) *i18n.Localizer {
	t.Helper()
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	return cat.For(lang)
}

// svgNode is an element of a parsed SVG, with its attributes and text.
type svgNode struct {
	Name  string
	Attrs map[string]string
	Text  string
}

// parseSVG checks that svg is well-formed XML and returns its elements in
// document order.
func parseSVG(t *testing.T, svg string) []svgNode {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(svg))
	var out []svgNode
	var open []int
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("SVG is not well-formed: %v\n%s", err, svg)
		}
		switch x := tok.(type) {
		case xml.StartElement:
			n := svgNode{Name: x.Name.Local, Attrs: map[string]string{}}
			for _, a := range x.Attr {
				n.Attrs[a.Name.Local] = a.Value
			}
			out = append(out, n)
			open = append(open, len(out)-1)
		case xml.CharData:
			if len(open) > 0 {
				out[open[len(open)-1]].Text += string(x)
			}
		case xml.EndElement:
			open = open[:len(open)-1]
		}
	}
	return out
}

func byClass(nodes []svgNode, class string) []svgNode {
	var out []svgNode
	for _, n := range nodes {
		if slices.Contains(strings.Fields(n.Attrs["class"]), class) {
			out = append(out, n)
		}
	}
	return out
}

var sampleBars = []chartBar{
	{Label: "Salarié·e du privé", Count: 25, Share: 0.625, Low: 0.4712, High: 0.7575},
	{Label: "Retraité·e", Count: 12, Share: 0.3, Low: 0.1806, High: 0.4543},
	{Label: "En recherche d'emploi", Hidden: true},
	{Label: `<script>alert("x")</script> & co`, Count: 3, Share: 0.075, Low: 0.026, High: 0.199},
}

func TestBarChart_AccessibleNameAndEveryNumberInTheTable(t *testing.T) {
	l := loc(t, "fr")
	c := barChart(l, "chart-status", "Quelle est votre situation\u00a0?", sampleBars)
	nodes := parseSVG(t, string(c.SVG))
	root := nodes[0]
	if root.Name != "svg" || root.Attrs["role"] != "img" || root.Attrs["aria-labelledby"] != "chart-status" {
		t.Errorf("SVG root %v: want role=img labelled by its caption", root.Attrs)
	}
	// One drawn bar per shown cell, none for the hidden one.
	if got := len(byClass(nodes, "chart-fill")); got != 3 {
		t.Errorf("%d bars drawn, want 3", got)
	}
	if got := byClass(nodes, "chart-hidden"); len(got) != 1 || got[0].Text != "moins de 5" {
		t.Errorf("hidden cell written %v", got)
	}
	// The labels, whole or cut, in order; the hostile one escaped.
	labels := byClass(nodes, "chart-label")
	if len(labels) != 4 || labels[0].Text != "Salarié·e du privé" || labels[3].Text != `<script>alert("x")</script> & co` {
		t.Errorf("labels %v", labels)
	}
	if strings.Contains(string(c.SVG), "<script>") {
		t.Error("a label is not escaped")
	}
	// Every value the chart writes is in the table, on its row.
	values := byClass(nodes, "chart-value")
	shown := 0
	for i, r := range c.Rows {
		if r.Hidden {
			if r.Count != "moins de 5" || r.Share != "" || r.Interval != "" {
				t.Errorf("hidden row %+v shows numbers", r)
			}
			continue
		}
		if values[shown].Text != r.Share {
			t.Errorf("bar %d says %q, table %q", i, values[shown].Text, r.Share)
		}
		shown++
	}
	if shown != len(values) {
		t.Errorf("%d values in the chart, %d in the table", len(values), shown)
	}
	want := []chartRow{
		{Label: "Salarié·e du privé", Count: "25", Share: "63\u00a0%", Interval: "de 47\u00a0% à 76\u00a0%"},
		{Label: "Retraité·e", Count: "12", Share: "30\u00a0%", Interval: "de 18\u00a0% à 45\u00a0%"},
		{Label: "En recherche d'emploi", Count: "moins de 5", Hidden: true},
	}
	if !slices.Equal(c.Rows[:3], want) {
		t.Errorf("table rows\n got %+v\nwant %+v", c.Rows[:3], want)
	}
	// The whiskers span the interval on the bar's scale.
	whiskers := byClass(nodes, "chart-whisker")
	if len(whiskers) != 3 {
		t.Fatalf("%d whiskers", len(whiskers))
	}
	top, _ := chartAxisMax(sampleBars)
	if top != 0.8 {
		t.Errorf("scale ends at %v, want 0.8", top)
	}
	m := regexp.MustCompile(`^M([\d.]+) \d+H([\d.]+)`).FindStringSubmatch(whiskers[0].Attrs["d"])
	lo, _ := strconv.ParseFloat(m[1], 64)
	hi, _ := strconv.ParseFloat(m[2], 64)
	scale := func(f float64) float64 { return chartLeft + (chartRight-chartLeft)*f/top }
	if math.Abs(lo-scale(0.4712)) > 0.1 || math.Abs(hi-scale(0.7575)) > 0.1 {
		t.Errorf("whisker %v to %v, want %v to %v", lo, hi, scale(0.4712), scale(0.7575))
	}
}

func TestBarChart_English(t *testing.T) {
	c := barChart(loc(t, "en"), "c", "Situation", sampleBars[:3])
	if c.Rows[0].Share != "63%" || c.Rows[0].Interval != "47% to 76%" || c.Rows[2].Count != "fewer than 5" {
		t.Errorf("rows %+v", c.Rows)
	}
	if !strings.Contains(string(c.SVG), ">fewer than 5<") {
		t.Error("hidden cell not written in English")
	}
}

func TestChartAxisMax(t *testing.T) {
	for _, c := range []struct {
		high, top float64
	}{{0.04, 0.1}, {0.1, 0.1}, {0.31, 0.4}, {0.5, 0.5}, {0.51, 0.6}, {0.97, 1}, {0, 0.1}} {
		got, _ := chartAxisMax([]chartBar{{Share: c.high / 2, High: c.high}, {Hidden: true, High: 5}})
		if math.Abs(got-c.top) > 1e-9 {
			t.Errorf("high %v: scale to %v, want %v", c.high, got, c.top)
		}
	}
}

func TestAnswersMap_ProportionalCirclesAndHiddenRings(t *testing.T) {
	pts := []mapPoint{
		{Code: "04088", Name: "Forcalquier", Lat: 43.958, Lon: 5.784, Responses: 100},
		{Code: "04178", Name: "Saint-Étienne-les-Orgues", Lat: 44.065, Lon: 5.780, Responses: 25},
		{Code: "04087", Name: "Fontienne", Lat: 44.008, Lon: 5.790, Hidden: true},
		{Code: "99999", Name: "Nulle part"}, // no coordinates: left out
	}
	svg := string(answersMap(loc(t, "fr"), "map-caption", pts))
	nodes := parseSVG(t, svg)
	if nodes[0].Attrs["role"] != "img" || nodes[0].Attrs["aria-labelledby"] != "map-caption" {
		t.Errorf("map root %v", nodes[0].Attrs)
	}
	circles := byClass(nodes, "map-circle")
	if len(circles) != 3 {
		t.Fatalf("%d circles", len(circles))
	}
	r := map[string]float64{}
	for _, c := range circles {
		v, _ := strconv.ParseFloat(c.Attrs["r"], 64)
		switch {
		case strings.Contains(c.Attrs["class"], "map-hidden"):
			r["hidden"] = v
		case v > 20:
			r["big"] = v
		default:
			r["small"] = v
		}
	}
	// Areas proportional to answers: four times the answers, twice the radius.
	if math.Abs(r["big"]/r["small"]-2) > 0.01 || r["hidden"] != mapHiddenR {
		t.Errorf("radii %v", r)
	}
	// North is up: Saint-Étienne (north) above Forcalquier.
	y := func(name string) float64 {
		for _, n := range nodes {
			if n.Name == "text" && n.Text == name {
				v, _ := strconv.ParseFloat(n.Attrs["y"], 64)
				return v
			}
		}
		t.Fatalf("%s not named on the map", name)
		return 0
	}
	if y("Saint-Étienne-les-Orgues") >= y("Forcalquier") {
		t.Error("the map is upside down")
	}
	if strings.Contains(svg, ">Fontienne<") {
		t.Error("a commune under 5 answers is named on the map")
	}
	titles := []string{}
	for _, n := range nodes {
		if n.Name == "title" {
			titles = append(titles, n.Text)
		}
	}
	if !slices.Contains(titles, "Fontienne\u00a0: moins de 5 réponses") || !slices.Contains(titles, "Forcalquier\u00a0: 100 réponses") {
		t.Errorf("titles %q", titles)
	}
	if answersMap(loc(t, "fr"), "m", []mapPoint{{Name: "Nulle part"}}) != "" {
		t.Error("a map without located communes is drawn")
	}
}
