package places

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"coopconnect/internal/accounts"
	"coopconnect/internal/coop"
	"coopconnect/internal/db"
	"coopconnect/internal/territory"
)

// Service runs the places of one database.
type Service struct {
	DB       *db.DB
	Communes *territory.Index
	hours    hoursCache
}

// canEdit tells whether by may edit the places of a carrier: coordinators
// edit all, managers those of their carriers.
func canEdit(ctx context.Context, tx *db.Tx, by accounts.User, carrierID int64) (bool, error) {
	switch by.Role {
	case accounts.Coordinator:
		return true, nil
	case accounts.Manager:
		var n int
		err := tx.QueryRowContext(ctx, `SELECT count(*) FROM carrier_managers WHERE carrier_id = $1 AND user_id = $2`, carrierID, by.ID).Scan(&n)
		return n > 0, err
	}
	return false, nil
}

var errForbidden = coop.Errorf(coop.EForbidden, "error.forbidden")

const placeColumns = `p.id, p.slug, p.carrier_id, c.name, p.name, p.kind, p.status, p.address, p.postal_code, p.commune_code, p.lat, p.lon,
	p.identity, p.description, p.audience, p.services, p.equipment, p.connection_kind, p.down_mbps, p.up_mbps, p.measured_on,
	p.reception_orange, p.reception_sfr, p.reception_bouygues, p.reception_free, p.prices, p.opening_hours,
	p.contact_name, p.contact_email, p.contact_phone, p.website, p.created_at, p.updated_at,
	COALESCE((SELECT ph.public_id FROM photos ph WHERE ph.place_id = p.id ORDER BY ph.position, ph.id LIMIT 1), '')`

func scanPlace(row interface{ Scan(...any) error }) (Place, error) {
	var p Place
	var services, equipment string
	var down, up sql.NullFloat64
	var measured sql.NullString
	var ro, rs, rb, rf string
	err := row.Scan(&p.ID, &p.Slug, &p.CarrierID, &p.CarrierName, &p.Name, &p.Kind, &p.Status, &p.Address, &p.PostalCode, &p.CommuneCode, &p.Lat, &p.Lon,
		&p.Identity, &p.Description, &p.Audience, &services, &equipment, &p.ConnectionKind, &down, &up, &measured,
		&ro, &rs, &rb, &rf, &p.Prices, &p.OpeningHours, &p.ContactName, &p.ContactEmail, &p.ContactPhone, &p.Website, &p.CreatedAt, &p.UpdatedAt, &p.Cover)
	if errors.Is(err, sql.ErrNoRows) {
		return p, coop.Errorf(coop.ENotFound, "error.not_found")
	}
	if err != nil {
		return p, err
	}
	p.Services, p.Equipment = strings.Fields(services), strings.Fields(equipment)
	if down.Valid {
		p.DownMbps = &down.Float64
	}
	if up.Valid {
		p.UpMbps = &up.Float64
	}
	p.MeasuredOn = measured.String
	p.Reception = map[string]string{}
	for op, v := range map[string]string{"orange": ro, "sfr": rs, "bouygues": rb, "free": rf} {
		if v != "" {
			p.Reception[op] = v
		}
	}
	return p, nil
}

func nullFloat(f *float64) any {
	if f == nil {
		return nil
	}
	return *f
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// Place returns a place by its slug, with its spaces and photos.
func (s *Service) Place(ctx context.Context, slug string) (p Place, err error) {
	err = s.DB.Read(ctx, func(tx *db.Tx) error {
		p, err = scanPlace(tx.QueryRowContext(ctx, `SELECT `+placeColumns+` FROM places p JOIN carriers c ON c.id = p.carrier_id WHERE p.slug = $1`, slug))
		if err != nil {
			return err
		}
		if p.Spaces, err = spacesOf(ctx, tx, p.ID); err != nil {
			return err
		}
		if p.Photos, err = photosOf(ctx, tx, p.ID); err != nil {
			return err
		}
		p.Staff, err = staffOf(ctx, tx, p.ID)
		return err
	})
	return p, err
}

// Filter selects places; zero fields select everything.
type Filter struct {
	Statuses  []Status // default: every status but closed
	CarrierIn []int64  // only these carriers' places
	IDs       []int64
}

// Places lists places by name, without spaces or photos.
func (s *Service) Places(ctx context.Context, f Filter) ([]Place, error) {
	var where []string
	var args []any
	arg := func(v any) string { args = append(args, v); return "$" + strconv.Itoa(len(args)) }
	statuses := f.Statuses
	if statuses == nil {
		statuses = []Status{StatusProject, StatusTesting, StatusOpen}
	}
	var in []string
	for _, st := range statuses {
		in = append(in, arg(string(st)))
	}
	where = append(where, "p.status IN ("+strings.Join(in, ", ")+")")
	if f.CarrierIn != nil {
		in = nil
		for _, id := range f.CarrierIn {
			in = append(in, arg(id))
		}
		if len(in) == 0 {
			return nil, nil
		}
		where = append(where, "p.carrier_id IN ("+strings.Join(in, ", ")+")")
	}
	if f.IDs != nil {
		in = nil
		for _, id := range f.IDs {
			in = append(in, arg(id))
		}
		if len(in) == 0 {
			return nil, nil
		}
		where = append(where, "p.id IN ("+strings.Join(in, ", ")+")")
	}
	var out []Place
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT `+placeColumns+` FROM places p JOIN carriers c ON c.id = p.carrier_id WHERE `+
			strings.Join(where, " AND ")+` ORDER BY p.name, p.id`, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			p, err := scanPlace(rows)
			if err != nil {
				return err
			}
			out = append(out, p)
		}
		return rows.Err()
	})
	return out, err
}

// Editable lists the places by may edit, every status included.
func (s *Service) Editable(ctx context.Context, by accounts.User) ([]Place, error) {
	all := []Status{StatusProject, StatusTesting, StatusOpen, StatusClosed}
	switch by.Role {
	case accounts.Coordinator:
		return s.Places(ctx, Filter{Statuses: all})
	case accounts.Manager:
		carriers, err := s.Carriers(ctx, by)
		if err != nil {
			return nil, err
		}
		ids := []int64{}
		for _, c := range carriers {
			ids = append(ids, c.ID)
		}
		return s.Places(ctx, Filter{Statuses: all, CarrierIn: ids})
	}
	return nil, nil
}

// CanEdit tells whether by may edit the place.
func (s *Service) CanEdit(ctx context.Context, by accounts.User, p Place) (ok bool, err error) {
	err = s.DB.Read(ctx, func(tx *db.Tx) error {
		ok, err = canEdit(ctx, tx, by, p.CarrierID)
		return err
	})
	return ok, err
}

// CreatePlace validates and stores a new place of a carrier by may edit.
func (s *Service) CreatePlace(ctx context.Context, by accounts.User, in PlaceInput) (Place, error) {
	var slug string
	err := s.DB.Write(ctx, func(tx *db.Tx) error {
		var err error
		slug, err = s.CreatePlaceIn(ctx, tx, by, in)
		return err
	})
	if err != nil {
		return Place{}, err
	}
	return s.Place(ctx, slug)
}

// CreatePlaceIn is CreatePlace inside tx, for a caller that writes more
// with it: it returns the new place's slug.
func (s *Service) CreatePlaceIn(ctx context.Context, tx *db.Tx, by accounts.User, in PlaceInput) (string, error) {
	pl, err := in.Validate(s.Communes, s.DB.Clock.Now())
	if err != nil {
		return "", err
	}
	if ok, err := canEdit(ctx, tx, by, pl.CarrierID); err != nil {
		return "", err
	} else if !ok {
		return "", &coop.Error{Code: coop.EInvalid, Message: "error.invalid_form", Fields: map[string]string{"carrier": "places.carrier_not_yours"}}
	}
	return insertPlace(ctx, tx, pl, "")
}

// insertPlace stores a validated place under a new slug; key, when not
// empty, is the identity of the open-data row it was imported from.
func insertPlace(ctx context.Context, tx *db.Tx, pl Place, key string) (string, error) {
	slug, err := freeSlug(ctx, tx, territory.Normalize(pl.Name))
	if err != nil {
		return "", err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO places (slug, carrier_id, name, kind, status, address, postal_code, commune_code, lat, lon,
		identity, description, audience, services, equipment, connection_kind, down_mbps, up_mbps, measured_on,
		reception_orange, reception_sfr, reception_bouygues, reception_free, prices, opening_hours,
		contact_name, contact_email, contact_phone, website, created_at, updated_at, source_key)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30, $30, $31)`,
		slug, pl.CarrierID, pl.Name, string(pl.Kind), string(pl.Status), pl.Address, pl.PostalCode, pl.CommuneCode, pl.Lat, pl.Lon,
		pl.Identity, pl.Description, string(pl.Audience), strings.Join(pl.Services, " "), strings.Join(pl.Equipment, " "), pl.ConnectionKind,
		nullFloat(pl.DownMbps), nullFloat(pl.UpMbps), nullString(pl.MeasuredOn),
		pl.Reception["orange"], pl.Reception["sfr"], pl.Reception["bouygues"], pl.Reception["free"], pl.Prices, pl.OpeningHours,
		pl.ContactName, pl.ContactEmail, pl.ContactPhone, pl.Website, tx.Now, nullString(key))
	return slug, err
}

// Imported is a row of an open-data file, ready to become a place.
type Imported struct {
	Key   string
	Input PlaceInput
}

// ImportPlaces creates, in one transaction, the places of rows for a
// carrier by may edit: all of them, or none if any row is refused. Rows
// whose key was imported before are skipped, so importing the same file
// twice changes nothing. It returns how many were created and skipped.
func (s *Service) ImportPlaces(ctx context.Context, by accounts.User, carrierID int64, rows []Imported) (created, skipped int, err error) {
	today := s.DB.Clock.Now()
	valid := make([]Place, len(rows))
	for i, r := range rows {
		r.Input.CarrierID = strconv.FormatInt(carrierID, 10)
		if valid[i], err = r.Input.Validate(s.Communes, today); err != nil {
			return 0, 0, coop.Errorf(coop.EInvalid, "places.import_row_invalid", i+1)
		}
	}
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		created, skipped = 0, 0
		if ok, err := canEdit(ctx, tx, by, carrierID); err != nil {
			return err
		} else if !ok {
			return errForbidden
		}
		for i, r := range rows {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM places WHERE source_key = $1`, r.Key).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				skipped++
				continue
			}
			if _, err := insertPlace(ctx, tx, valid[i], r.Key); err != nil {
				return err
			}
			created++
		}
		return nil
	})
	return created, skipped, err
}

// ImportedKeys tells which of keys were imported before.
func (s *Service) ImportedKeys(ctx context.Context, keys []string) (map[string]bool, error) {
	out := map[string]bool{}
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		for _, k := range keys {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM places WHERE source_key = $1`, k).Scan(&n); err != nil {
				return err
			}
			out[k] = n > 0
		}
		return nil
	})
	return out, err
}

// freeSlug returns base, or base-2, base-3… the first one no place has.
func freeSlug(ctx context.Context, tx *db.Tx, normalized string) (string, error) {
	base := slugify(normalized)
	if base == "nouveau" { // the back-office's "new place" address
		base = "nouveau-lieu"
	}
	for i := 1; ; i++ {
		slug := base
		if i > 1 {
			slug = fmt.Sprintf("%s-%d", base, i)
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM places WHERE slug = $1`, slug).Scan(&n); err != nil {
			return "", err
		}
		if n == 0 {
			return slug, nil
		}
	}
}

// UpdatePlace validates and saves a place by may edit. Its slug stays, so
// links to it keep working. Moving it to another carrier needs the right
// to edit both.
func (s *Service) UpdatePlace(ctx context.Context, by accounts.User, slug string, in PlaceInput) (Place, error) {
	pl, err := in.Validate(s.Communes, s.DB.Clock.Now())
	if err != nil {
		return Place{}, err
	}
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		var id, carrier int64
		err := tx.QueryRowContext(ctx, `SELECT id, carrier_id FROM places WHERE slug = $1`, slug).Scan(&id, &carrier)
		if errors.Is(err, sql.ErrNoRows) {
			return coop.Errorf(coop.ENotFound, "error.not_found")
		}
		if err != nil {
			return err
		}
		for _, c := range []int64{carrier, pl.CarrierID} {
			if ok, err := canEdit(ctx, tx, by, c); err != nil {
				return err
			} else if !ok && c == carrier {
				return errForbidden
			} else if !ok {
				return &coop.Error{Code: coop.EInvalid, Message: "error.invalid_form", Fields: map[string]string{"carrier": "places.carrier_not_yours"}}
			}
		}
		_, err = tx.ExecContext(ctx, `UPDATE places SET carrier_id = $2, name = $3, kind = $4, status = $5, address = $6, postal_code = $7,
			commune_code = $8, lat = $9, lon = $10, identity = $11, description = $12, audience = $13, services = $14, equipment = $15,
			connection_kind = $16, down_mbps = $17, up_mbps = $18, measured_on = $19, reception_orange = $20, reception_sfr = $21,
			reception_bouygues = $22, reception_free = $23, prices = $24, opening_hours = $25, contact_name = $26, contact_email = $27,
			contact_phone = $28, website = $29, updated_at = $30 WHERE id = $1`,
			id, pl.CarrierID, pl.Name, string(pl.Kind), string(pl.Status), pl.Address, pl.PostalCode, pl.CommuneCode, pl.Lat, pl.Lon,
			pl.Identity, pl.Description, string(pl.Audience), strings.Join(pl.Services, " "), strings.Join(pl.Equipment, " "), pl.ConnectionKind,
			nullFloat(pl.DownMbps), nullFloat(pl.UpMbps), nullString(pl.MeasuredOn),
			pl.Reception["orange"], pl.Reception["sfr"], pl.Reception["bouygues"], pl.Reception["free"], pl.Prices, pl.OpeningHours,
			pl.ContactName, pl.ContactEmail, pl.ContactPhone, pl.Website, tx.Now)
		return err
	})
	if err != nil {
		return Place{}, err
	}
	return s.Place(ctx, slug)
}
