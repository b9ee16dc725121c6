package web

import (
	"errors"
	"io"
	"net/http"
	"strconv"

	"coopconnect/internal/coop"
	"coopconnect/internal/places"
)

// managePlacesView lists the places the viewer may edit.
type managePlacesView struct {
	Page
	Places   []places.Place
	Carriers []places.Carrier
}

func (s *Server) showManagePlaces(w http.ResponseWriter, r *http.Request) error {
	u := stateOf(r).user
	v := &managePlacesView{Page: s.newPage(r, "manage.places_title")}
	var err error
	if v.Places, err = s.Places.Editable(r.Context(), *u); err != nil {
		return err
	}
	if v.Carriers, err = s.Places.Carriers(r.Context(), *u); err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "manage_places", v)
}

// placeFormView is the place form, new or existing, with its spaces and
// photos when it exists.
type placeFormView struct {
	Page
	Place      *places.Place // nil for a new place
	Input      places.PlaceInput
	Carriers   []places.Carrier
	Candidates []string // communes matching an ambiguous name
	Section    string   // the sub-form whose problems the page shows
}

// Checked tells whether a code is among the submitted services or equipment.
func (v *placeFormView) Checked(code string) bool {
	for _, c := range append(v.Input.Services, v.Input.Equipment...) {
		if c == code {
			return true
		}
	}
	return false
}

func (s *Server) placeFormView(r *http.Request, p *places.Place, in places.PlaceInput) (*placeFormView, error) {
	u := stateOf(r).user
	title := "manage.new_place"
	if p != nil {
		title = "manage.edit_place"
	}
	v := &placeFormView{Page: s.newPage(r, title), Place: p, Input: in}
	if p != nil {
		v.Title = v.T("manage.edit_place_named", p.Name)
	}
	var err error
	v.Carriers, err = s.Places.Carriers(r.Context(), *u)
	return v, err
}

// placeInput reads the place form.
func placeInput(r *http.Request) places.PlaceInput {
	f := r.PostFormValue
	in := places.PlaceInput{
		CarrierID: f("carrier"), Name: f("name"), Kind: f("kind"), Status: f("status"), Address: f("address"),
		PostalCode: f("postal_code"), Commune: f("commune"), Lat: f("lat"), Lon: f("lon"), Identity: f("identity"),
		Description: f("description"), Audience: f("audience"), Services: r.PostForm["services"], Equipment: r.PostForm["equipment"],
		ConnectionKind: f("connection_kind"), DownMbps: f("down_mbps"), UpMbps: f("up_mbps"), MeasuredOn: f("measured_on"),
		Reception: map[string]string{}, Prices: f("prices"), OpeningHours: f("opening_hours"), ContactName: f("contact_name"),
		ContactEmail: f("contact_email"), ContactPhone: f("contact_phone"), Website: f("website"),
	}
	for _, op := range places.Operators {
		in.Reception[op] = f("reception_" + op)
	}
	return in
}

// keepPlaceInput puts the typed values back into the page's form.
func (v *placeFormView) keepInput() {
	in := v.Input
	for k, val := range map[string]string{"carrier": in.CarrierID, "name": in.Name, "kind": in.Kind, "status": in.Status, "address": in.Address,
		"postal_code": in.PostalCode, "commune": in.Commune, "lat": in.Lat, "lon": in.Lon, "identity": in.Identity, "description": in.Description,
		"audience": in.Audience, "connection_kind": in.ConnectionKind, "down_mbps": in.DownMbps, "up_mbps": in.UpMbps, "measured_on": in.MeasuredOn,
		"prices": in.Prices, "opening_hours": in.OpeningHours, "contact_name": in.ContactName, "contact_email": in.ContactEmail,
		"contact_phone": in.ContactPhone, "website": in.Website} {
		v.Form[k] = val
	}
	for op, val := range in.Reception {
		v.Form["reception_"+op] = val
	}
}

var placeFields = []string{"carrier", "name", "kind", "status", "identity", "description", "audience", "address", "postal_code", "commune", "lat", "lon",
	"opening_hours", "services", "equipment", "connection_kind", "down_mbps", "up_mbps", "measured_on", "reception_orange", "reception_sfr",
	"reception_bouygues", "reception_free", "prices", "contact_name", "contact_email", "contact_phone", "website"}

// refusePlace re-renders the place form with its problems; for an
// ambiguous commune it lists the candidates.
func (s *Server) refusePlace(w http.ResponseWriter, r *http.Request, err error, p *places.Place, in places.PlaceInput) error {
	v, verr := s.placeFormView(r, p, in)
	if verr != nil {
		return verr
	}
	v.keepInput()
	if e := coop.AsError(err); e != nil && e.Fields["commune"] == "places.commune_ambiguous" {
		_, cands := s.Territory.ResolveCommune(in.Commune, in.PostalCode)
		for _, c := range cands {
			v.Candidates = append(v.Candidates, c.Name+" ("+c.PostalCodes[0]+", "+c.DepartmentName+")")
		}
	}
	return s.invalid(w, r, err, "manage_place", v, placeFields...)
}

func (s *Server) showNewPlace(w http.ResponseWriter, r *http.Request) error {
	v, err := s.placeFormView(r, nil, places.PlaceInput{Status: string(places.StatusProject), Audience: string(places.AudienceBoth), Kind: string(places.KindTiersLieu)})
	if err != nil {
		return err
	}
	if len(v.Carriers) == 1 {
		v.Input.CarrierID = strconv.FormatInt(v.Carriers[0].ID, 10)
	}
	v.keepInput()
	return s.render(w, r, http.StatusOK, "manage_place", v)
}

func (s *Server) createPlace(w http.ResponseWriter, r *http.Request) error {
	u := stateOf(r).user
	in := placeInput(r)
	p, err := s.Places.CreatePlace(r.Context(), *u, in)
	if err != nil {
		return s.refusePlace(w, r, err, nil, in)
	}
	return s.redirect(w, r, "/gestion/lieux/"+p.Slug, "success", "manage.place_created")
}

// editablePlace loads a place the viewer may edit (others: 404 or 403).
func (s *Server) editablePlace(r *http.Request) (places.Place, error) {
	p, err := s.Places.Place(r.Context(), r.PathValue("slug"))
	if err != nil {
		return p, err
	}
	ok, err := s.Places.CanEdit(r.Context(), *stateOf(r).user, p)
	if err != nil {
		return p, err
	}
	if !ok {
		return p, coop.Errorf(coop.EForbidden, "error.forbidden")
	}
	return p, nil
}

func (s *Server) showEditPlace(w http.ResponseWriter, r *http.Request) error {
	p, err := s.editablePlace(r)
	if err != nil {
		return err
	}
	in := places.InputOf(p)
	if c, ok := s.Territory.Commune(p.CommuneCode); ok {
		in.Commune = c.Name
	}
	v, err := s.placeFormView(r, &p, in)
	if err != nil {
		return err
	}
	v.keepInput()
	return s.render(w, r, http.StatusOK, "manage_place", v)
}

func (s *Server) updatePlace(w http.ResponseWriter, r *http.Request) error {
	p, err := s.editablePlace(r)
	if err != nil {
		return err
	}
	in := placeInput(r)
	if _, err := s.Places.UpdatePlace(r.Context(), *stateOf(r).user, p.Slug, in); err != nil {
		return s.refusePlace(w, r, err, &p, in)
	}
	return s.redirect(w, r, "/gestion/lieux/"+p.Slug, "success", "manage.place_saved")
}

// refuseSubForm re-renders an existing place's page with the problems of
// one of its sub-forms (space, photo).
func (s *Server) refuseSubForm(w http.ResponseWriter, r *http.Request, err error, p places.Place, section string, keep ...string) error {
	in := places.InputOf(p)
	if c, ok := s.Territory.Commune(p.CommuneCode); ok {
		in.Commune = c.Name
	}
	v, verr := s.placeFormView(r, &p, in)
	if verr != nil {
		return verr
	}
	v.keepInput()
	v.Section = section
	v.keep(r, keep...)
	return s.invalid(w, r, err, "manage_place", v, "space_name", "space_kind", "capacity", "space_audience", "space_description", "photo", "alt", "space", "staff_email")
}

func spaceInput(r *http.Request) places.SpaceInput {
	f := r.PostFormValue
	return places.SpaceInput{Name: f("space_name"), Kind: f("space_kind"), Capacity: f("capacity"), Audience: f("space_audience"), Description: f("space_description")}
}

func (s *Server) addSpace(w http.ResponseWriter, r *http.Request) error {
	p, err := s.editablePlace(r)
	if err != nil {
		return err
	}
	if _, err := s.Places.AddSpace(r.Context(), *stateOf(r).user, p.Slug, spaceInput(r)); err != nil {
		return s.refuseSubForm(w, r, err, p, "space", "space_name", "space_kind", "capacity", "space_audience", "space_description")
	}
	return s.redirect(w, r, "/gestion/lieux/"+p.Slug+"#espaces", "success", "manage.space_added")
}

func (s *Server) updateSpace(w http.ResponseWriter, r *http.Request) error {
	p, err := s.editablePlace(r)
	if err != nil {
		return err
	}
	if _, err := s.Places.UpdateSpace(r.Context(), *stateOf(r).user, p.Slug, r.PathValue("id"), spaceInput(r)); err != nil {
		if e := coop.AsError(err); e != nil && e.Code == coop.EInvalid {
			key := "manage.space_invalid"
			if e.Reason != "" { // what the space's bookings keep from changing
				key = e.Reason
			}
			return s.redirect(w, r, "/gestion/lieux/"+p.Slug+"#espaces", "error", key)
		}
		return err
	}
	return s.redirect(w, r, "/gestion/lieux/"+p.Slug+"#espaces", "success", "manage.space_saved")
}

func (s *Server) deleteSpace(w http.ResponseWriter, r *http.Request) error {
	p, err := s.editablePlace(r)
	if err != nil {
		return err
	}
	if err := s.Places.DeleteSpace(r.Context(), *stateOf(r).user, p.Slug, r.PathValue("id")); err != nil {
		if e := coop.AsError(err); e != nil && e.Reason != "" {
			return s.redirect(w, r, "/gestion/lieux/"+p.Slug+"#espaces", "error", e.Reason)
		}
		return err
	}
	return s.redirect(w, r, "/gestion/lieux/"+p.Slug+"#espaces", "success", "manage.space_deleted")
}

func (s *Server) addPhoto(w http.ResponseWriter, r *http.Request) error {
	p, err := s.editablePlace(r)
	if err != nil {
		return err
	}
	r.Body = http.MaxBytesReader(w, r.Body, places.MaxPhotoBytes+1<<20)
	var data []byte
	if err := r.ParseMultipartForm(4 << 20); err != nil {
		key := "error.required" // not even a file field
		if _, tooBig := errors.AsType[*http.MaxBytesError](err); tooBig {
			key = "places.photo_too_big"
		}
		return s.refuseSubForm(w, r, &coop.Error{Code: coop.EInvalid, Message: "error.invalid_form", Fields: map[string]string{"photo": key}}, p, "photo")
	}
	if f, _, err := r.FormFile("photo"); err == nil {
		data, err = io.ReadAll(io.LimitReader(f, places.MaxPhotoBytes+1))
		f.Close()
		if err != nil {
			return err
		}
	}
	if _, err := s.Places.AddPhoto(r.Context(), *stateOf(r).user, p.Slug, r.FormValue("space"), r.FormValue("alt"), data); err != nil {
		return s.refuseSubForm(w, r, err, p, "photo", "alt", "space")
	}
	return s.redirect(w, r, "/gestion/lieux/"+p.Slug+"#photos", "success", "manage.photo_added")
}

func (s *Server) deletePhoto(w http.ResponseWriter, r *http.Request) error {
	p, err := s.editablePlace(r)
	if err != nil {
		return err
	}
	if err := s.Places.DeletePhoto(r.Context(), *stateOf(r).user, p.Slug, r.PathValue("id")); err != nil {
		return err
	}
	return s.redirect(w, r, "/gestion/lieux/"+p.Slug+"#photos", "success", "manage.photo_deleted")
}

// carriersView lists carriers with the form to add one (coordinators).
type carriersView struct {
	Page
	Carriers []places.Carrier
	Carrier  *places.Carrier // the one being edited
}

func carrierInput(r *http.Request) places.CarrierInput {
	f := r.PostFormValue
	return places.CarrierInput{Name: f("name"), Kind: f("kind"), SIREN: f("siren"), SIRET: f("siret"), RNA: f("rna"), Address: f("address"),
		CommuneCode: f("commune"), Email: f("email"), Phone: f("phone"), Website: f("website")}
}

func (v *carriersView) keepCarrier(in places.CarrierInput) {
	for k, val := range map[string]string{"name": in.Name, "kind": in.Kind, "siren": in.SIREN, "siret": in.SIRET, "rna": in.RNA,
		"address": in.Address, "commune": in.CommuneCode, "email": in.Email, "phone": in.Phone, "website": in.Website} {
		v.Form[k] = val
	}
}

var carrierFields = []string{"name", "kind", "siren", "siret", "rna", "address", "commune", "email", "phone", "website", "manager_email"}

func (s *Server) showCarriers(w http.ResponseWriter, r *http.Request) error {
	v := &carriersView{Page: s.newPage(r, "manage.carriers_title")}
	var err error
	if v.Carriers, err = s.Places.Carriers(r.Context(), *stateOf(r).user); err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "manage_carriers", v)
}

func (s *Server) createCarrier(w http.ResponseWriter, r *http.Request) error {
	u := stateOf(r).user
	in := carrierInput(r)
	c, err := s.Places.CreateCarrier(r.Context(), *u, in)
	if err != nil {
		v := &carriersView{Page: s.newPage(r, "manage.carriers_title")}
		var lerr error
		if v.Carriers, lerr = s.Places.Carriers(r.Context(), *u); lerr != nil {
			return lerr
		}
		v.keepCarrier(in)
		return s.invalid(w, r, err, "manage_carriers", v, carrierFields...)
	}
	return s.redirect(w, r, "/gestion/porteurs/"+strconv.FormatInt(c.ID, 10), "success", "manage.carrier_created")
}

func (s *Server) carrierPage(r *http.Request) (*carriersView, error) {
	id, err := places.ParseID(r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	c, err := s.Places.Carrier(r.Context(), *stateOf(r).user, id)
	if err != nil {
		return nil, err
	}
	v := &carriersView{Page: s.newPage(r, "manage.carrier_title"), Carrier: &c}
	v.Title = c.Name
	return v, nil
}

func (s *Server) showCarrier(w http.ResponseWriter, r *http.Request) error {
	v, err := s.carrierPage(r)
	if err != nil {
		return err
	}
	v.keepCarrier(places.CarrierInputOf(*v.Carrier))
	return s.render(w, r, http.StatusOK, "manage_carrier", v)
}

func (s *Server) updateCarrier(w http.ResponseWriter, r *http.Request) error {
	v, err := s.carrierPage(r)
	if err != nil {
		return err
	}
	in := carrierInput(r)
	if _, err := s.Places.UpdateCarrier(r.Context(), *stateOf(r).user, v.Carrier.ID, in); err != nil {
		v.keepCarrier(in)
		return s.invalid(w, r, err, "manage_carrier", v, carrierFields...)
	}
	return s.redirect(w, r, "/gestion/porteurs/"+strconv.FormatInt(v.Carrier.ID, 10), "success", "manage.carrier_saved")
}

func (s *Server) addManager(w http.ResponseWriter, r *http.Request) error {
	v, err := s.carrierPage(r)
	if err != nil {
		return err
	}
	if err := s.Places.AddManager(r.Context(), *stateOf(r).user, v.Carrier.ID, r.PostFormValue("manager_email")); err != nil {
		v.keepCarrier(places.CarrierInputOf(*v.Carrier))
		v.keep(r, "manager_email")
		return s.invalid(w, r, err, "manage_carrier", v, carrierFields...)
	}
	return s.redirect(w, r, "/gestion/porteurs/"+strconv.FormatInt(v.Carrier.ID, 10), "success", "manage.manager_added")
}

func (s *Server) removeManager(w http.ResponseWriter, r *http.Request) error {
	v, err := s.carrierPage(r)
	if err != nil {
		return err
	}
	uid, err := places.ParseID(r.PathValue("user"))
	if err != nil {
		return err
	}
	if err := s.Places.RemoveManager(r.Context(), *stateOf(r).user, v.Carrier.ID, uid); err != nil {
		return err
	}
	return s.redirect(w, r, "/gestion/porteurs/"+strconv.FormatInt(v.Carrier.ID, 10), "success", "manage.manager_removed")
}

func (s *Server) addStaff(w http.ResponseWriter, r *http.Request) error {
	p, err := s.editablePlace(r)
	if err != nil {
		return err
	}
	if err := s.Places.AddStaff(r.Context(), *stateOf(r).user, p.Slug, r.PostFormValue("staff_email")); err != nil {
		return s.refuseSubForm(w, r, err, p, "staff", "staff_email")
	}
	return s.redirect(w, r, "/gestion/lieux/"+p.Slug+"#accueil", "success", "manage.staff_added")
}

func (s *Server) removeStaff(w http.ResponseWriter, r *http.Request) error {
	p, err := s.editablePlace(r)
	if err != nil {
		return err
	}
	uid, err := places.ParseID(r.PathValue("user"))
	if err != nil {
		return err
	}
	if err := s.Places.RemoveStaff(r.Context(), *stateOf(r).user, p.Slug, uid); err != nil {
		return err
	}
	return s.redirect(w, r, "/gestion/lieux/"+p.Slug+"#accueil", "success", "manage.staff_removed")
}
