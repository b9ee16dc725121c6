package survey

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"

	"coopconnect/internal/territory"
)

// Generated respondents: varied, plausible and reproducible answers to the
// Default questionnaire, for the demo campaign and the benchmarks. The same
// generator and the same random source give the same answers.
//
// The model, kept simple but coherent:
//   - residence: a commune of the territory drawn in proportion to a
//     weight (its active population, say);
//   - status, then an age band that suits it;
//   - workplace: a gravity model, each commune within 45 km (and the large
//     towns within 130 km) drawing commuters in proportion to its active
//     population, fading with distance; the one-way distance is the road's
//     (30 % longer than the crow flies), the mode follows the distance and
//     the density of the commune (little public transport in the
//     countryside), the time follows mode and density;
//   - telework: today never more than wished, allowed by some employers
//     only; the self-employed often work at home;
//   - interest in a place near home grows with the commute, the telework
//     wished and what is missing at home; services, prices, days and the
//     travel accepted follow the status and the interest;
//   - a few "other" answers and comments, in the respondents' words.

// Generator makes respondents living in a set of communes. It is read-only
// once built: several goroutines may use it, each with its own source.
type Generator struct {
	homes []territory.Commune
	cum   []float64 // cumulative weights of homes
	// work[i] are the workplaces of homes[i]'s residents, with their
	// cumulative weights.
	work    [][]workplace
	workCum [][]float64
}

type workplace struct {
	code    string
	km      float64 // as the crow flies
	density int
}

// NewGenerator prepares respondents living in the communes (INSEE codes),
// each drawn in proportion to weight (nil: its active population).
// Unknown communes and those weighing nothing are left out; an error says
// that none is left.
func NewGenerator(ix *territory.Index, communes []string, weight func(territory.Commune) float64) (*Generator, error) {
	if weight == nil {
		weight = func(c territory.Commune) float64 { return float64(c.ActivePopulation) }
	}
	g := &Generator{}
	total := 0.0
	for _, code := range communes {
		c, ok := ix.Commune(code)
		if !ok || weight(c) <= 0 || slices.ContainsFunc(g.homes, func(h territory.Commune) bool { return h.Code == c.Code }) {
			continue
		}
		total += weight(c)
		g.homes = append(g.homes, c)
		g.cum = append(g.cum, total)
		var places []workplace
		var cum []float64
		sum := 0.0
		add := func(w territory.Commune) {
			if slices.ContainsFunc(places, func(p workplace) bool { return p.code == w.Code }) {
				return
			}
			d := territory.Distance(c, w)
			// Jobs follow the active population; commuting fades with
			// distance (half as many every 7 km or so), faster beyond
			// the daily range.
			x := float64(max(w.ActivePopulation, 20)) * math.Exp(-max(d, 2)/10)
			if d > 45 {
				x *= 0.3
			}
			sum += x
			places = append(places, workplace{code: w.Code, km: d, density: w.Density})
			cum = append(cum, sum)
		}
		add(c)
		for _, w := range ix.Within(c.Code, 45) {
			if w.ActivePopulation >= 150 {
				add(w)
			}
		}
		for _, w := range ix.Within(c.Code, 100) {
			if w.Population >= 20000 {
				add(w)
			}
		}
		g.work = append(g.work, places)
		g.workCum = append(g.workCum, cum)
	}
	if len(g.homes) == 0 {
		return nil, errors.New("survey: no commune to generate respondents in")
	}
	return g, nil
}

// Communes returns the number of communes respondents live in.
func (g *Generator) Communes() int { return len(g.homes) }

// Home draws a commune of residence, as Form does.
func (g *Generator) Home(rng *rand.Rand) territory.Commune { return g.homes[draw(rng, g.cum)] }

// draw returns an index in cum (cumulative weights), at random.
func draw(rng *rand.Rand, cum []float64) int {
	x := rng.Float64() * cum[len(cum)-1]
	i, _ := slices.BinarySearch(cum, x)
	return min(i, len(cum)-1)
}

// choose returns one of the codes, drawn by their weights.
func choose(rng *rand.Rand, codes []string, weights ...float64) string {
	total := 0.0
	for _, w := range weights {
		total += w
	}
	x := rng.Float64() * total
	for i, w := range weights {
		if x < w {
			return codes[i]
		}
		x -= w
	}
	return codes[len(codes)-1]
}

func chance(rng *rand.Rand, p float64) bool { return rng.Float64() < p }

func itoa(n int) string { return strconv.Itoa(n) }

var (
	genStatuses = []string{"employee", "civil_servant", "self_employed", "business_owner", "job_seeker", "student", "retired", OtherCode}
	genAges     = []string{"under_25", "25_34", "35_44", "45_54", "55_64", "65_plus"}

	genOtherStatus = []string{"Intermittente du spectacle", "Agriculteur", "En congé parental", "Saisonnière",
		"Salarié et auto-entrepreneur", "Artiste-auteur", "En reconversion professionnelle", "Aidante familiale"}
	genOtherMode   = []string{"En moto", "En scooter", "En train puis à pied", "En trottinette", "À cheval entre voiture et train"}
	genOtherRemote = []string{"Dans le train", "Chez mes clients", "Dans ma voiture, là où le réseau passe", "À la mairie du village",
		"Dans un gîte, hors saison"}
	genOtherService = []string{"Un coin cuisine", "Des casiers", "Un abri pour les vélos", "Un accès le week-end", "Une domiciliation",
		"Un atelier de bricolage", "Un point relais colis"}
	genComments = []string{
		"Vivement un lieu près de chez moi : je fais 80 km par jour pour des tâches que je pourrais faire ici.",
		"Chez moi la connexion ne permet pas les visioconférences. C'est la première chose à prévoir.",
		"Il faudrait que le lieu ouvre tôt le matin, avant l'école.",
		"Pensez au stationnement, et à un arrêt de bus si possible.",
		"Je serais prête à m'investir bénévolement pour faire vivre le lieu.",
		"Le prix sera décisif : mon employeur ne participera pas.",
		"Un lieu pour sortir de l'isolement du travail à la maison, ce serait précieux.",
		"Merci pour cette enquête.",
		"Une garderie à côté changerait tout pour les parents.",
		"Je suis à la retraite mais j'aimerais aider les plus jeunes avec le numérique.",
		"Des ateliers pour les démarches en ligne manquent cruellement.",
		"Il y a déjà des salles communales inoccupées, pourquoi ne pas les utiliser ?",
		"Il faudrait pouvoir réserver un bureau à la demi-journée.",
		"Un lieu accessible aux personnes à mobilité réduite, s'il vous plaît.",
		"Je télétravaille depuis le village et je ne connais personne qui fait comme moi : des rencontres seraient bienvenues.",
		"Je préfère rester chez moi, mais l'idée est bonne pour les jeunes.",
	}
)

// Form returns one respondent's answers as form values (see Field), to be
// read with Parse on the Default questionnaire: the commune questions hold
// INSEE codes. On paper, respondents are older, and some questions are
// left blank.
func (g *Generator) Form(rng *rand.Rand, paper bool) map[string][]string {
	f := map[string][]string{}
	set := func(id string, v ...string) { f[Field(id)] = v }
	other := func(id, text string) { f[Field(id)+".other"] = []string{text} }
	pickText := func(texts []string) string { return texts[rng.IntN(len(texts))] }

	hi := draw(rng, g.cum)
	home := g.homes[hi]
	rural := home.Rural()
	set("home_commune", home.Code)

	var status string
	if paper {
		status = choose(rng, genStatuses, 25, 12, 12, 4, 7, 2, 36, 2)
	} else {
		status = choose(rng, genStatuses, 40, 15, 15, 5, 6, 4, 13, 2)
	}
	set("status", status)
	if status == OtherCode {
		other("status", pickText(genOtherStatus))
	}
	var age string
	switch status {
	case "student":
		age = choose(rng, genAges, 85, 15)
	case "retired":
		age = choose(rng, genAges, 0, 0, 0, 0, 25, 75)
	case "job_seeker":
		age = choose(rng, genAges, 15, 30, 20, 20, 15)
	default:
		age = choose(rng, genAges, 5, 22, 28, 27, 18)
	}

	working := slices.Contains([]string{"employee", "civil_servant", "self_employed", "business_owner", "student"}, status)
	employed := status == "employee" || status == "civil_servant"
	km, now, wish := 0, 0, 0
	if working {
		// Where, how far, how.
		atHome := (status == "self_employed" && chance(rng, 0.45)) || (status == "business_owner" && chance(rng, 0.2))
		wp := g.work[hi][0]
		if !atHome {
			wp = g.work[hi][draw(rng, g.workCum[hi])]
		}
		set("work_commune", wp.code)
		road := wp.km * 1.3 * (0.9 + 0.25*rng.Float64())
		if wp.code == home.Code {
			road = 0.5 + rng.Float64()*math.Sqrt(max(home.AreaKm2, 1))/2
		}
		mode := "car"
		switch {
		case atHome:
			mode, road = "none", 0
		case road < 2.5:
			mode = choose(rng, []string{"walk", "bike", "car"}, 50, 15, 35)
		case road < 8:
			mode = choose(rng, []string{"car", "carpool", "bike", "public_transport"}, 78, 5, 10, either(rural, 1.0, 7))
		default:
			mode = choose(rng, []string{"car", "carpool", "public_transport"}, 80, 12, either(rural, 2.0, 8))
		}
		if status == "student" && road >= 8 && chance(rng, 0.4) {
			mode = "public_transport"
		}
		if mode != "none" && chance(rng, 0.015) {
			mode = OtherCode
			other("commute_mode", pickText(genOtherMode))
		}
		km = int(math.Round(road))
		minutes := 0.0
		switch mode {
		case "none":
		case "walk":
			minutes = road / 5 * 60
		case "bike":
			minutes = road / 15 * 60
		case "public_transport":
			minutes = road/25*60 + 12
		default: // car, carpool, other: faster on the longer roads
			speed := 40.0
			switch {
			case wp.density <= 2:
				speed = 32
			case rural || wp.density >= 5:
				speed = 50
			}
			speed = min(speed+road*0.4, 85)
			minutes = road/speed*60 + 4
			if mode == "carpool" {
				minutes += 8
			}
		}
		minutes *= 0.85 + 0.35*rng.Float64()
		if minutes > 12 {
			minutes = math.Round(minutes/5) * 5 // as people say it
		}
		set("commute_mode", mode)
		set("commute_km", itoa(min(km, 300)))
		set("commute_min", itoa(min(int(math.Round(minutes)), 240)))

		// Telework, today and wished.
		allows := ""
		if employed {
			if status == "civil_servant" {
				allows = choose(rng, []string{"yes", "partly", "no", "unknown"}, 25, 40, 28, 7)
			} else {
				allows = choose(rng, []string{"yes", "partly", "no", "unknown"}, 32, 28, 30, 10)
			}
			set("employer_allows", allows)
		}
		switch {
		case status == "self_employed" && mode == "none":
			now = 3 + rng.IntN(3)
		case status == "self_employed":
			now = rng.IntN(4)
		case status == "business_owner":
			now = rng.IntN(3)
		case status == "student":
			now = rng.IntN(3)
		case allows == "yes":
			now = 1 + rng.IntN(3)
		case allows == "partly":
			now = rng.IntN(2)
		}
		extra := []int{0, 0, 1, 1, 1, 1, 2, 2, 3}[rng.IntN(9)] + min(km/40, 1)
		if allows == "no" {
			extra = rng.IntN(3)
		}
		wish = min(now+extra, 5)
		set("telework_now", itoa(now))
		set("telework_wish", itoa(wish))
	}

	// Where they work remotely, and what they lack at home.
	var remote []string
	switch {
	case now > 0:
		remote = append(remote, "home")
		if chance(rng, 0.08) {
			remote = append(remote, "third_place")
		}
		if chance(rng, 0.12) {
			remote = append(remote, "cafe_library")
		}
		if chance(rng, 0.06) {
			remote = append(remote, "elsewhere")
		}
		if chance(rng, 0.03) {
			remote = append(remote, OtherCode)
			other("remote_where", pickText(genOtherRemote))
		}
		if chance(rng, 0.05) {
			remote = remote[1:] // never at home
		}
		if len(remote) == 0 {
			remote = []string{"cafe_library"}
		}
	case status == "job_seeker" && chance(rng, 0.5):
		remote = []string{"home"}
	case status == "retired" && chance(rng, 0.35):
		// Left blank: the question did not seem to concern them.
	default:
		remote = []string{"nowhere"}
	}
	if len(remote) > 0 {
		set("remote_where", remote...)
	}
	var missing []string
	if wish > 0 || now > 0 || status == "job_seeker" || (status == "retired" && chance(rng, 0.4)) {
		for _, m := range []struct {
			code string
			p    float64
		}{{"space", 0.35}, {"quiet", 0.3}, {"connection", either(rural, 0.42, 0.15)}, {"company", 0.35}, {"equipment", 0.2}} {
			if chance(rng, m.p) {
				missing = append(missing, m.code)
			}
		}
		if len(missing) == 0 {
			missing = []string{"nothing"}
		}
		set("home_missing", missing...)
	}

	// Would they come?
	score := -1.0 + 0.025*float64(min(km, 60)) + 0.3*float64(wish) + 0.25*float64(wish-now) + rng.NormFloat64()
	score += map[string]float64{"self_employed": 0.8, "business_owner": 0.3, "job_seeker": 0.2, "student": 0.3, "retired": -1.1, OtherCode: 0}[status]
	for _, m := range missing {
		if m != "nothing" {
			score += 0.25
		}
	}
	use := "no"
	switch {
	case score > 1.7:
		use = "regular"
	case score > 0.6:
		use = "occasional"
	case score > -0.1:
		use = "rarely"
	}
	set("use_place", use)
	interested := use != "no"
	if interested {
		var services []string
		add := func(code string, p float64) {
			if chance(rng, p) {
				services = append(services, code)
			}
		}
		boss := status == "self_employed" || status == "business_owner"
		add("desk", either(working, 0.78, 0.25))
		add("meeting_room", either(boss, 0.5, 0.18))
		add("printer", 0.3)
		add("fast_connection", either(rural, 0.68, 0.5))
		add("video_booth", either(employed, 0.32, 0.12))
		add("childcare", either(age == "25_34" || age == "35_44", 0.25, 0.02))
		add("digital_help", map[string]float64{"retired": 0.6, "job_seeker": 0.4}[status]+0.05)
		add("events", 0.35)
		if chance(rng, 0.025) {
			services = append(services, OtherCode)
			other("services", pickText(genOtherService))
		}
		if len(services) == 0 {
			services = []string{"desk"}
		}
		set("services", services...)

		// The travel accepted: a little more for those who drive far today.
		t := int(math.Round(1.6 + float64(min(km, 60))/25 + rng.NormFloat64()*0.9))
		if use == "regular" {
			t++
		}
		set("travel_time", []string{"up_to_5", "up_to_10", "up_to_15", "up_to_20", "up_to_30", "more_30"}[min(max(t, 0), 5)])

		// Days and times.
		days := []string{"mon", "tue", "wed", "thu", "fri"}
		n := map[string]int{"regular": min(max(wish, 1), 3), "occasional": 1 + rng.IntN(2), "rarely": 1}[use]
		var parts []string
		for _, d := range pickSome(rng, days, n) {
			switch {
			case status == "retired" || status == "job_seeker":
				parts = append(parts, d+"_"+choose(rng, []string{"am", "pm"}, 65, 35))
			case chance(rng, 0.7):
				parts = append(parts, d+"_am", d+"_pm")
			default:
				parts = append(parts, d+"_"+choose(rng, []string{"am", "pm"}, 60, 40))
			}
		}
		if chance(rng, 0.1) {
			parts = append(parts, days[rng.IntN(5)]+"_eve")
		}
		if chance(rng, 0.06) {
			parts = append(parts, "sat_am")
		}
		set("days", parts...)

		// Prices: by status, a month in line with a day.
		prices := []string{"free", "lt5", "5_10", "10_15", "15_20", "gt20"}
		var day string
		switch status {
		case "job_seeker", "student":
			day = choose(rng, prices, 30, 40, 25, 5)
		case "retired":
			day = choose(rng, prices, 40, 35, 20, 5)
		case "self_employed":
			day = choose(rng, prices, 5, 10, 35, 33, 12, 5)
		case "business_owner":
			day = choose(rng, prices, 3, 7, 25, 35, 20, 10)
		default:
			day = choose(rng, prices, 10, 20, 40, 22, 6, 2)
		}
		set("price_day", day)
		months := []string{"lt50", "50_100", "100_150", "150_200", "gt200", "never"}
		month := "never"
		if use == "regular" || chance(rng, 0.6) {
			i := slices.Index(prices, day)
			month = months[min(max(i-1+rng.IntN(2), 0), 4)]
			if day == "free" && chance(rng, 0.7) {
				month = "never"
			}
		}
		set("price_month", month)
	}

	// Meetups, trainings, age, and a word.
	if !chance(rng, 0.08) {
		m := map[string]float64{"self_employed": 4, "business_owner": 3.7, "job_seeker": 3.5, "student": 3.2, "employee": 2.8,
			"civil_servant": 2.6, "retired": 2.5, OtherCode: 3}[status]
		m += map[string]float64{"regular": 0.8, "occasional": 0.4, "rarely": 0, "no": -1}[use]
		set("meetups", itoa(min(max(int(math.Round(m+rng.NormFloat64()*0.9)), 1), 5)))
	}
	if !chance(rng, 0.1) {
		var training []string
		add := func(code string, p float64) {
			if chance(rng, p) {
				training = append(training, code)
			}
		}
		add("digital_basics", map[string]float64{"retired": 0.45, "job_seeker": 0.25}[status]+0.05)
		add("pro_tools", 0.25)
		add("business", map[string]float64{"self_employed": 0.35, "job_seeker": 0.35, "business_owner": 0.3}[status]+0.08)
		add("languages", 0.2)
		if len(training) == 0 {
			training = []string{"none"}
		}
		set("training", training...)
	}
	if !chance(rng, 0.04) {
		set("age", age)
	}
	if chance(rng, either(paper, 0.15, 0.07)) {
		set("comment", pickText(genComments))
	}

	if paper {
		// A question or two left blank on the sheet.
		for _, id := range []string{"commute_min", "employer_allows", "remote_where", "home_missing", "travel_time", "days", "price_month", "meetups", "training"} {
			if chance(rng, 0.06) {
				delete(f, Field(id))
				delete(f, Field(id)+".other")
			}
		}
	}
	return f
}

// Responses generates n answers given online to sv (whose questionnaire
// must be Default's, or keep its questions), read with Parse as the
// public form does, and spread evenly over the campaign's days, for Seed.
// A third came through the short link of their commune's bulletin.
func (g *Generator) Responses(rng *rand.Rand, ix *territory.Index, sv Survey, n int) ([]Response, error) {
	opens, err1 := time.Parse(time.DateOnly, sv.OpensOn)
	closes, err2 := time.Parse(time.DateOnly, sv.ClosesOn)
	if err := errors.Join(err1, err2); err != nil {
		return nil, err
	}
	span := int(closes.Sub(opens).Hours()/24) + 1
	inCampaign := make(map[string]bool, len(sv.Communes))
	for _, c := range sv.Communes {
		inCampaign[c.Code] = true
	}
	qn := sv.Version.Questionnaire
	out := make([]Response, 0, n)
	for i := range n {
		a, err := qn.Parse(ix, g.Form(rng, false))
		if err != nil {
			return nil, err
		}
		r := Response{Day: opens.AddDate(0, 0, i*span/n).Format(time.DateOnly), Source: SourceWeb, Answers: a}
		if home := a[qn.Residence].Text; inCampaign[home] && chance(rng, 1.0/3) {
			r.Channel = home
		}
		out = append(out, r)
	}
	return out, nil
}

// either returns yes when cond holds, no otherwise.
func either[T any](cond bool, yes, no T) T {
	if cond {
		return yes
	}
	return no
}

// pickSome returns n of the items, at random, in their order.
func pickSome(rng *rand.Rand, items []string, n int) []string {
	ix := rng.Perm(len(items))[:min(n, len(items))]
	slices.Sort(ix)
	out := make([]string, len(ix))
	for i, j := range ix {
		out[i] = items[j]
	}
	return out
}
