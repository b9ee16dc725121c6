package survey

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"coopconnect/internal/territory"
)

func TestGenerator_PlausibleValidAndReproducibleAnswers(t *testing.T) {
	ix, err := territory.Load()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewGenerator(ix, []string{"99999"}, nil); err == nil {
		t.Error("a generator without any commune: no error")
	}
	communes := []string{}
	for _, c := range ix.Members("240400440") {
		communes = append(communes, c.Code)
	}
	g, err := NewGenerator(ix, communes, nil)
	if err != nil {
		t.Fatal(err)
	}
	qn, paper := Default(), Default().ForPaper()
	km := map[string][]float64{} // commute km by interest
	uses := map[string]int{}
	blanks := 0
	const n = 3000
	for i := range n {
		onPaper := i%3 == 0
		f := g.Form(rand.New(rand.NewPCG(uint64(i), 7)), onPaper)
		if again := g.Form(rand.New(rand.NewPCG(uint64(i), 7)), onPaper); fmt.Sprint(again) != fmt.Sprint(f) {
			t.Fatalf("the same seed gave two answers:\n%v\n%v", f, again)
		}
		q := qn
		if onPaper {
			q = paper
		}
		a, err := q.Parse(ix, f)
		if err != nil {
			t.Fatalf("answer %d does not parse: %v\n%v", i, err, f)
		}
		if len(a) != len(f)-countOther(f) {
			t.Errorf("answer %d: %d values kept of %d given (questions not asked?)\n%v", i, len(a), len(f), f)
		}
		if !slices.Contains(communes, a["home_commune"].Text) {
			t.Fatalf("answer %d lives in %q, outside the territory", i, a["home_commune"].Text)
		}
		if _, ok := a["age"]; !ok {
			blanks++
		}
		num := func(id string) float64 {
			if v := a[id].Number; v != nil {
				return *v
			}
			return -1
		}
		if now, wish := num("telework_now"), num("telework_wish"); now > wish && wish >= 0 {
			t.Errorf("answer %d teleworks %v days and wishes %v", i, now, wish)
		}
		mode := ""
		if c := a["commute_mode"].Choices; len(c) > 0 {
			mode = c[0]
		}
		switch d := num("commute_km"); {
		case mode == "none" && (d != 0 || a["work_commune"].Text != a["home_commune"].Text):
			t.Errorf("answer %d works at home %v km away, in %s", i, d, a["work_commune"].Text)
		case (mode == "walk" || mode == "bike") && d > 10:
			t.Errorf("answer %d goes %v km by %s", i, d, mode)
		case mode == "car" && d > 0 && num("commute_min") == 0:
			t.Errorf("answer %d drives %v km in no time", i, d)
		}
		if s := a["status"].Choices[0]; (s == "retired" || s == "job_seeker") && mode != "" {
			t.Errorf("answer %d is %s and commutes", i, s)
		}
		use := a["use_place"].Choices[0]
		uses[use]++
		if d := num("commute_km"); d >= 0 {
			km[use] = append(km[use], d)
		}
	}
	for _, u := range []string{"regular", "occasional", "rarely", "no"} {
		if uses[u] < n/10 || uses[u] > n/2 {
			t.Errorf("use_place %s: %d of %d", u, uses[u], n)
		}
	}
	mean := func(xs []float64) float64 {
		s := 0.0
		for _, x := range xs {
			s += x
		}
		return s / float64(len(xs))
	}
	if mean(km["regular"]) < 1.5*mean(km["no"]) {
		t.Errorf("mean commute of the regular users %.1f km, of those not interested %.1f km: want interest to grow with the commute",
			mean(km["regular"]), mean(km["no"]))
	}
	if blanks == 0 || blanks > n/5 {
		t.Errorf("%d answers without an age, want a few", blanks)
	}
}

// countOther counts the "other" texts of a form, which share their
// question's value.
func countOther(f map[string][]string) int {
	n := 0
	for k := range f {
		if len(k) > 6 && k[len(k)-6:] == ".other" {
			n++
		}
	}
	return n
}
