package demo

import (
	"bytes"
	"context"
	"fmt"
	"hash/fnv"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"strconv"

	"coopconnect/internal/accounts"
	"coopconnect/internal/places"
)

// demoCarrier is a carrier of the demo network; an EPCI takes its real
// SIREN from the territory, others get a made-up one that passes checks.
type demoCarrier struct {
	Name    string
	Kind    places.CarrierKind
	Commune string
	RNA     string
	Manager bool // managed by gestion@demo.coopconnect.fr
}

var demoCarriers = []demoCarrier{
	{"Communauté de communes Haute-Provence Pays de Banon", places.CarrierEPCI, "04088", "", true},
	{"Communauté de communes Vallée de l'Ubaye Serre-Ponçon", places.CarrierEPCI, "04019", "", true},
	{"Commune de Sisteron", places.CarrierCommune, "04209", "", false},
	{"Communauté de communes du Guillestrois et du Queyras", places.CarrierEPCI, "05065", "", false},
	{"La Cordée des Écrins SAS", places.CarrierCompany, "05023", "", false},
	{"Association Les Fileuses de Banon", places.CarrierAssociation, "04018", "W041000274", true},
	{"Provence Alpes Agglomération", places.CarrierEPCI, "04070", "", false},
	{"Initiative Gap Alpes", places.CarrierAssociation, "05061", "W051000385", false},
}

// demoPlace is a place of the demo network.
type demoPlace struct {
	Carrier     int
	Name        string
	Kind        places.Kind
	Status      places.Status
	Commune     string
	Address     string
	Identity    string
	Description string
	Audience    places.Audience
	Services    []string
	Equipment   []string
	Connection  string
	Down, Up    string
	Reception   [4]string // orange, sfr, bouygues, free
	Hours       string
	Prices      string
	Spaces      []places.SpaceInput
	Hue         float64 // of its illustration
}

var demoPlaces = []demoPlace{
	{0, "La Filature", places.KindTiersLieu, places.StatusOpen, "04088", "12 boulevard de la République",
		"Une ancienne filature de soie, ses voûtes et sa cour aux tilleuls",
		"Au cœur de Forcalquier, La Filature accueille télétravailleurs, indépendants et associations dans une ancienne filature restaurée. Café partagé chaque jeudi, ateliers numériques le mardi après-midi.",
		places.AudienceBoth, []string{"desk", "meeting_room", "printing", "fast_connection", "digital_help", "events"},
		[]string{"printer_scanner", "video_conference", "kitchen", "step_free", "bike_parking"}, "fibre", "940", "520",
		[4]string{"good", "good", "weak", "good"}, "Mo-Fr 08:30-18:30; Sa 09:00-12:30; PH off", "Journée : 15 €\nCarnet de 10 demi-journées : 80 €\nAbonnement mensuel : 140 €",
		[]places.SpaceInput{{Name: "Le grand atelier", Kind: "open_space", Capacity: "12", Audience: "both"}, {Name: "Salle des voûtes", Kind: "meeting_room", Capacity: "10", Audience: "both"}, {Name: "Bureau du tilleul", Kind: "office", Capacity: "2", Audience: "professionals"}}, 265},
	{5, "L'Atelier partagé de Banon", places.KindTiersLieu, places.StatusOpen, "04018", "Place de la République",
		"Le tiers-lieu associatif au pied du vieux village", "Un lieu associatif ouvert aux habitants : espace de travail, réparation d'ordinateurs et accompagnement aux démarches en ligne.",
		places.AudienceBoth, []string{"desk", "digital_help", "training", "events"}, []string{"printer_scanner", "kitchen", "step_free"}, "vdsl", "48", "9",
		[4]string{"weak", "none", "weak", "weak"}, "Tu,Th 09:00-12:00,14:00-18:00; Sa 09:00-12:00; PH off", "Adhésion annuelle : 20 €",
		[]places.SpaceInput{{Name: "Salle commune", Kind: "open_space", Capacity: "6", Audience: "both"}, {Name: "Ordinateurs en libre accès", Kind: "equipment", Capacity: "4", Audience: "e_inclusion"}}, 30},
	{1, "ERIC de Barcelonnette", places.KindERIC, places.StatusOpen, "04019", "Maison de la vallée, 4 avenue des Trois Frères Arnaud",
		"L'espace numérique de la vallée de l'Ubaye", "Espace régional internet citoyen : accompagnement aux démarches, ateliers d'initiation, et des postes pour les professionnels de passage hors des ateliers.",
		places.AudienceBoth, []string{"desk", "digital_help", "training", "printing"}, []string{"printer_scanner", "screens", "step_free", "accessible_toilets"}, "fibre", "310", "160",
		[4]string{"good", "weak", "good", "weak"}, "Mo-Fr 09:00-12:00,13:30-17:30; PH off", "Gratuit pour les ateliers ; poste de travail : 8 € la demi-journée",
		[]places.SpaceInput{{Name: "Salle informatique", Kind: "open_space", Capacity: "8", Audience: "both"}, {Name: "Visio-box", Kind: "equipment", Capacity: "1", Audience: "professionals"}}, 210},
	{2, "Le Relais numérique de Sisteron", places.KindERIC, places.StatusOpen, "04209", "Rue de Provence",
		"Au pied de la citadelle, un espace public numérique", "Accueil, aide aux démarches et espace de travail partagé pour les indépendants du Sisteronais.",
		places.AudienceBoth, []string{"desk", "digital_help", "printing"}, []string{"printer_scanner", "step_free"}, "fibre", "500", "300",
		[4]string{"good", "good", "good", "good"}, "Mo-Fr 08:30-12:00,13:30-17:00; PH off", "Gratuit",
		[]places.SpaceInput{{Name: "Espace de travail", Kind: "open_space", Capacity: "6", Audience: "both"}}, 180},
	{3, "ERIC de Guillestre", places.KindERIC, places.StatusOpen, "05065", "Place Salva",
		"Le point numérique des vallées du Guil et de la Durance", "Ateliers numériques et postes de travail à la demi-journée, dans la maison des services.",
		places.AudienceBoth, []string{"digital_help", "training", "desk"}, []string{"printer_scanner", "video_conference"}, "adsl", "12", "1",
		[4]string{"good", "none", "weak", "none"}, "Mo,Tu,Th,Fr 09:00-12:00,14:00-17:00; We 09:00-12:00; PH off", "Gratuit",
		[]places.SpaceInput{{Name: "Salle multimédia", Kind: "open_space", Capacity: "6", Audience: "e_inclusion"}}, 140},
	{4, "La Cordée Briançon", places.KindTiersLieu, places.StatusOpen, "05023", "8 avenue de la République",
		"Coworking de montagne, vue sur les forts Vauban", "Un coworking privé pour les indépendants et télétravailleurs du Briançonnais, ouvert tôt pour ceux qui skient à midi.",
		places.AudienceProfessionals, []string{"desk", "meeting_room", "fast_connection", "video_booth", "events", "domiciliation"},
		[]string{"printer_scanner", "video_conference", "screens", "lockers", "kitchen", "phone_booth"}, "fibre", "1000", "800",
		[4]string{"good", "good", "good", "good"}, "Mo-Fr 07:30-19:30; Sa 09:00-13:00", "Journée : 20 €\nMois : 190 €",
		[]places.SpaceInput{{Name: "Open space", Kind: "open_space", Capacity: "16", Audience: "professionals"}, {Name: "Salle Écrins", Kind: "meeting_room", Capacity: "8", Audience: "professionals"}, {Name: "Cabine visio", Kind: "office", Capacity: "1", Audience: "professionals"}}, 200},
	{7, "Pépinière Gap Alpes", places.KindIncubator, places.StatusOpen, "05061", "Parc d'activités Micropolis",
		"Pépinière d'entreprises et rencontres de créateurs", "Bureaux pour jeunes entreprises, salle de réunion et un programme de petits-déjeuners de créateurs avec le comité de bassin d'emploi.",
		places.AudienceProfessionals, []string{"desk", "meeting_room", "events", "training", "domiciliation"}, []string{"printer_scanner", "video_conference", "parking"}, "fibre", "800", "400",
		[4]string{"good", "good", "good", "good"}, "Mo-Fr 08:00-18:00; PH off", "Bureau : à partir de 180 € par mois",
		[]places.SpaceInput{{Name: "Bureaux d'incubation", Kind: "office", Capacity: "3", Audience: "professionals"}, {Name: "Salle Durance", Kind: "meeting_room", Capacity: "14", Audience: "professionals"}}, 100},
	{6, "Espace numérique de Digne-les-Bains", places.KindERIC, places.StatusOpen, "04070", "Boulevard Gassendi",
		"Le grand espace numérique de l'agglomération", "Ateliers, aide aux démarches, et un espace de coworking en dehors des heures d'atelier.",
		places.AudienceBoth, []string{"digital_help", "training", "desk", "printing"}, []string{"printer_scanner", "screens", "step_free", "accessible_toilets"}, "fibre", "600", "300",
		[4]string{"good", "good", "good", "good"}, "Mo-Fr 09:00-12:30,13:30-18:00; Sa 09:00-12:00; PH off", "Gratuit",
		[]places.SpaceInput{{Name: "Salle d'ateliers", Kind: "open_space", Capacity: "10", Audience: "e_inclusion"}, {Name: "Coin coworking", Kind: "open_space", Capacity: "6", Audience: "professionals"}}, 240},
	{1, "Médiathèque de Seyne", places.KindLibrary, places.StatusTesting, "04205", "Grande Rue",
		"Une médiathèque de montagne qui teste le travail partagé", "Deux postes de travail réservables à l'essai cet hiver, dans la salle de lecture.",
		places.AudienceBoth, []string{"desk", "printing"}, []string{"printer_scanner", "step_free"}, "4g_5g", "35", "8",
		[4]string{"weak", "none", "weak", "none"}, "Tu,Fr 14:00-18:00; We,Sa 09:30-12:30; PH off", "Gratuit pendant l'essai",
		[]places.SpaceInput{{Name: "Salle de lecture", Kind: "open_space", Capacity: "2", Audience: "both"}}, 160},
	{0, "La Magnanerie de Riez", places.KindTiersLieu, places.StatusProject, "04166", "Chemin de la Magnanerie",
		"Un projet de tiers-lieu dans une ancienne magnanerie", "L'enquête de besoins est en cours dans les bulletins municipaux du plateau de Valensole.",
		places.AudienceBoth, nil, nil, "", "", "", [4]string{}, "", "", nil, 50},
	{4, "Le Bureau d'Embrun", places.KindTiersLieu, places.StatusTesting, "05046", "Place Barthelon",
		"Face au lac de Serre-Ponçon", "Une antenne de La Cordée en test pour la saison.",
		places.AudienceProfessionals, []string{"desk", "fast_connection"}, []string{"kitchen"}, "fibre", "500", "250",
		[4]string{"good", "good", "good", "weak"}, "Mo-Fr 09:00-18:00", "Journée : 15 €",
		[]places.SpaceInput{{Name: "Salle du lac", Kind: "open_space", Capacity: "6", Audience: "professionals"}}, 190},
	{1, "Castellane connectée", places.KindTiersLieu, places.StatusProject, "04039", "Rue Nationale",
		"Un futur lieu au bord du Verdon", "Projet porté avec la commune : diagnostic en cours.",
		places.AudienceBoth, nil, nil, "", "", "", [4]string{}, "", "", nil, 170},
}

// madeUpSIREN returns a 9-digit number that passes the checksum, derived
// from a name, for the demo's non-public carriers.
func madeUpSIREN(name string) string {
	h := fnv.New32a()
	h.Write([]byte(name))
	base := fmt.Sprintf("9%07d", h.Sum32()%10000000)
	for d := range 10 {
		s := base + strconv.Itoa(d)
		if places.ValidSIREN(s) {
			return s
		}
	}
	return ""
}

// loadPlaces creates the demo carriers, places, spaces and photos.
func loadPlaces(ctx context.Context, d Deps, coordinator, manager, concierge accounts.User) error {
	ids := make([]int64, len(demoCarriers))
	for i, c := range demoCarriers {
		in := places.CarrierInput{Name: c.Name, Kind: string(c.Kind), CommuneCode: c.Commune, RNA: c.RNA}
		if c.Kind == places.CarrierEPCI {
			if com, ok := d.Places.Communes.Commune(c.Commune); ok {
				in.SIREN = com.EPCI
			}
		}
		if in.SIREN == "" {
			in.SIREN = madeUpSIREN(c.Name)
		}
		created, err := d.Places.CreateCarrier(ctx, coordinator, in)
		if err != nil {
			return fmt.Errorf("demo carrier %s: %w", c.Name, err)
		}
		ids[i] = created.ID
		if c.Manager {
			if err := d.Places.AddManager(ctx, coordinator, created.ID, manager.Email); err != nil {
				return err
			}
		}
	}
	for i, p := range demoPlaces {
		in := places.PlaceInput{CarrierID: strconv.FormatInt(ids[p.Carrier], 10), Name: p.Name, Kind: string(p.Kind), Status: string(p.Status),
			Address: p.Address, Commune: p.Commune, Identity: p.Identity, Description: p.Description, Audience: string(p.Audience),
			Services: p.Services, Equipment: p.Equipment, ConnectionKind: p.Connection, DownMbps: p.Down, UpMbps: p.Up,
			Reception:    map[string]string{"orange": p.Reception[0], "sfr": p.Reception[1], "bouygues": p.Reception[2], "free": p.Reception[3]},
			OpeningHours: p.Hours, Prices: p.Prices, ContactName: "Sophie Martin", ContactEmail: "accueil@demo.coopconnect.fr", ContactPhone: "04 92 00 00 00"}
		if p.Down != "" {
			in.MeasuredOn = "2026-10-15"
		}
		created, err := d.Places.CreatePlace(ctx, coordinator, in)
		if err != nil {
			return fmt.Errorf("demo place %s: %w", p.Name, err)
		}
		for _, sp := range p.Spaces {
			if _, err := d.Places.AddSpace(ctx, coordinator, created.Slug, sp); err != nil {
				return fmt.Errorf("demo space %s: %w", sp.Name, err)
			}
		}
		photo, err := illustration(p.Hue, i)
		if err != nil {
			return err
		}
		if _, err := d.Places.AddPhoto(ctx, coordinator, created.Slug, "", "Illustration : "+p.Identity, photo); err != nil {
			return fmt.Errorf("demo photo %s: %w", p.Name, err)
		}
		if i == 0 {
			if err := d.Places.AddStaff(ctx, coordinator, created.Slug, concierge.Email); err != nil {
				return err
			}
		}
	}
	return nil
}

// illustration draws a landscape of hills under a sky, in the place's
// hue: photos of the demo's own making.
func illustration(hue float64, seed int) ([]byte, error) {
	const w, h = 960, 640
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	sky := hsl(hue, .45, .86)
	sun := hsl(40, .85, .7)
	for y := range h {
		for x := range w {
			img.Set(x, y, sky)
		}
	}
	cx, cy := 700+seed*13%150, 150+seed*7%60
	for y := cy - 60; y < cy+60; y++ {
		for x := cx - 60; x < cx+60; x++ {
			if (x-cx)*(x-cx)+(y-cy)*(y-cy) < 3600 {
				img.Set(x, y, sun)
			}
		}
	}
	layers := []struct {
		base, amp, freq float64
		c               color.Color
	}{
		{0.55, 40, 0.006, hsl(hue+40, .25, .62)},
		{0.68, 30, 0.011, hsl(hue+80, .35, .45)},
		{0.82, 18, 0.017, hsl(hue, .35, .38)},
	}
	for i, l := range layers {
		phase := float64(seed*31 + i*17)
		for x := range w {
			top := int(l.base*h + l.amp*math.Sin(l.freq*float64(x)+phase) + l.amp/2*math.Sin(l.freq*2.3*float64(x)+phase/2))
			for y := max(top, 0); y < h; y++ {
				img.Set(x, y, l.c)
			}
		}
	}
	var buf bytes.Buffer
	err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 85})
	return buf.Bytes(), err
}

// hsl makes a colour from hue (degrees), saturation and lightness.
func hsl(h, s, l float64) color.RGBA {
	h = math.Mod(h, 360) / 360
	f := func(t float64) uint8 {
		t = math.Mod(t+1, 1)
		q := l + s - l*s
		if l < .5 {
			q = l * (1 + s)
		}
		p := 2*l - q
		var v float64
		switch {
		case t < 1.0/6:
			v = p + (q-p)*6*t
		case t < .5:
			v = q
		case t < 2.0/3:
			v = p + (q-p)*(2.0/3-t)*6
		default:
			v = p
		}
		return uint8(math.Round(v * 255))
	}
	return color.RGBA{f(h + 1.0/3), f(h), f(h - 1.0/3), 255}
}
