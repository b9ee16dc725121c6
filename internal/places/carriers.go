package places

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"

	"coopconnect/internal/accounts"
	"coopconnect/internal/coop"
	"coopconnect/internal/db"
)

// CarrierInput is the carrier form, as typed.
type CarrierInput struct {
	Name        string
	Kind        string
	SIREN       string
	SIRET       string
	RNA         string
	Address     string
	CommuneCode string
	Email       string
	Phone       string
	Website     string
}

// CarrierInputOf fills a form from a carrier, to edit it.
func CarrierInputOf(c Carrier) CarrierInput {
	return CarrierInput{Name: c.Name, Kind: string(c.Kind), SIREN: c.SIREN, SIRET: c.SIRET, RNA: c.RNA, Address: c.Address,
		CommuneCode: c.CommuneCode, Email: c.Email, Phone: c.Phone, Website: c.Website}
}

// validate checks the form: identifiers by their checksums, the SIRET
// agreeing with the SIREN, the RNA number for associations.
func (s *Service) validateCarrier(in CarrierInput) (Carrier, error) {
	p := coop.Problems{}
	c := Carrier{Name: strings.TrimSpace(in.Name), SIREN: compact(in.SIREN), SIRET: compact(in.SIRET), RNA: strings.ToUpper(compact(in.RNA)),
		Address: strings.TrimSpace(in.Address),
		Email:   strings.ToLower(strings.TrimSpace(in.Email)), Phone: strings.TrimSpace(in.Phone), Website: strings.TrimSpace(in.Website)}
	if required(p, "name", c.Name) {
		maxLen(p, "name", c.Name, 160)
	}
	c.Kind = oneOf(p, "kind", in.Kind, CarrierKinds)
	if c.SIREN != "" && !ValidSIREN(c.SIREN) {
		p.Add("siren", "places.siren_invalid")
	}
	if c.SIRET != "" {
		switch {
		case !ValidSIRET(c.SIRET):
			p.Add("siret", "places.siret_invalid")
		case c.SIREN == "":
			c.SIREN = c.SIRET[:9]
		case c.SIRET[:9] != c.SIREN:
			p.Add("siret", "places.siret_other_siren")
		}
	}
	if c.Kind != CarrierIndividual && c.Kind != "" && c.SIREN == "" && c.SIRET == "" {
		p.Add("siren", "places.siren_required")
	}
	if c.RNA != "" && !ValidRNA(c.RNA) {
		p.Add("rna", "places.rna_invalid")
	}
	if c.Kind == CarrierAssociation && c.RNA == "" {
		p.Add("rna", "places.rna_required")
	}
	if text := strings.TrimSpace(in.CommuneCode); text != "" {
		code, candidates := s.Communes.ResolveCommune(text, "")
		c.CommuneCode = code
		switch {
		case code == "" && len(candidates) > 1:
			p.Add("commune", "places.commune_ambiguous")
		case code == "":
			p.Add("commune", "places.commune_unknown")
		}
	}
	maxLen(p, "address", c.Address, 200)
	if c.Email != "" && !accounts.ValidEmail(c.Email) {
		p.Add("email", "error.email_invalid")
	}
	if c.Phone != "" && !validPhone(c.Phone) {
		p.Add("phone", "error.phone_invalid")
	}
	if c.Website != "" && !validURL(c.Website) {
		p.Add("website", "error.url_invalid")
	}
	return c, p.Err()
}

const carrierColumns = `id, name, kind, COALESCE(siren, ''), COALESCE(siret, ''), COALESCE(rna, ''), address, COALESCE(commune_code, ''), email, phone, website, created_at`

func scanCarrier(row interface{ Scan(...any) error }) (Carrier, error) {
	var c Carrier
	err := row.Scan(&c.ID, &c.Name, &c.Kind, &c.SIREN, &c.SIRET, &c.RNA, &c.Address, &c.CommuneCode, &c.Email, &c.Phone, &c.Website, &c.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return c, coop.Errorf(coop.ENotFound, "error.not_found")
	}
	return c, err
}

// CreateCarrier stores a new carrier; only coordinators create them.
func (s *Service) CreateCarrier(ctx context.Context, by accounts.User, in CarrierInput) (Carrier, error) {
	var c Carrier
	err := s.DB.Write(ctx, func(tx *db.Tx) error {
		var err error
		c, err = s.CreateCarrierIn(ctx, tx, by, in)
		return err
	})
	if db.IsConflict(err) {
		return Carrier{}, &coop.Error{Code: coop.EInvalid, Message: "error.invalid_form", Fields: map[string]string{"siret": "places.siret_taken"}}
	}
	return c, err
}

// CreateCarrierIn is CreateCarrier inside tx, for a caller that writes
// more with it (a SIRET already taken then fails the transaction).
func (s *Service) CreateCarrierIn(ctx context.Context, tx *db.Tx, by accounts.User, in CarrierInput) (Carrier, error) {
	if by.Role != accounts.Coordinator {
		return Carrier{}, errForbidden
	}
	c, err := s.validateCarrier(in)
	if err != nil {
		return Carrier{}, err
	}
	err = tx.QueryRowContext(ctx, `INSERT INTO carriers (name, kind, siren, siret, rna, address, commune_code, email, phone, website, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id`,
		c.Name, string(c.Kind), nullString(c.SIREN), nullString(c.SIRET), nullString(c.RNA), c.Address, nullString(c.CommuneCode),
		c.Email, c.Phone, c.Website, tx.Now).Scan(&c.ID)
	return c, err
}

// UpdateCarrier saves a carrier; its managers and coordinators may.
func (s *Service) UpdateCarrier(ctx context.Context, by accounts.User, id int64, in CarrierInput) (Carrier, error) {
	c, err := s.validateCarrier(in)
	if err != nil {
		return Carrier{}, err
	}
	c.ID = id
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		if ok, err := canEdit(ctx, tx, by, id); err != nil {
			return err
		} else if !ok {
			return errForbidden
		}
		res, err := tx.ExecContext(ctx, `UPDATE carriers SET name = $2, kind = $3, siren = $4, siret = $5, rna = $6, address = $7, commune_code = $8,
			email = $9, phone = $10, website = $11, updated_at = $12 WHERE id = $1`,
			id, c.Name, string(c.Kind), nullString(c.SIREN), nullString(c.SIRET), nullString(c.RNA), c.Address, nullString(c.CommuneCode),
			c.Email, c.Phone, c.Website, tx.Now)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return coop.Errorf(coop.ENotFound, "error.not_found")
		}
		return nil
	})
	if db.IsConflict(err) {
		return Carrier{}, &coop.Error{Code: coop.EInvalid, Message: "error.invalid_form", Fields: map[string]string{"siret": "places.siret_taken"}}
	}
	return c, err
}

// Carrier returns a carrier with its managers, if by may see it.
func (s *Service) Carrier(ctx context.Context, by accounts.User, id int64) (c Carrier, err error) {
	err = s.DB.Read(ctx, func(tx *db.Tx) error {
		if ok, err := canEdit(ctx, tx, by, id); err != nil {
			return err
		} else if !ok {
			return coop.Errorf(coop.ENotFound, "error.not_found")
		}
		if c, err = scanCarrier(tx.QueryRowContext(ctx, `SELECT `+carrierColumns+` FROM carriers WHERE id = $1`, id)); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT u.id, u.name, u.email FROM carrier_managers m JOIN users u ON u.id = m.user_id WHERE m.carrier_id = $1 ORDER BY u.name`, id)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var p Person
			if err := rows.Scan(&p.ID, &p.Name, &p.Email); err != nil {
				return err
			}
			c.Managers = append(c.Managers, p)
		}
		return rows.Err()
	})
	return c, err
}

// Carriers lists the carriers by may edit (all of them for coordinators).
func (s *Service) Carriers(ctx context.Context, by accounts.User) ([]Carrier, error) {
	return s.carriersWhere(ctx, `$1 OR id IN (SELECT carrier_id FROM carrier_managers WHERE user_id = $2)`, by.Role == accounts.Coordinator, by.ID)
}

// PublicCarriers lists every carrier for the open-data export: their names
// and identifiers (SIRET, RNA) are public registers' data.
func (s *Service) PublicCarriers(ctx context.Context) ([]Carrier, error) {
	return s.carriersWhere(ctx, `TRUE`)
}

func (s *Service) carriersWhere(ctx context.Context, where string, args ...any) ([]Carrier, error) {
	var out []Carrier
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT `+carrierColumns+` FROM carriers WHERE `+where+` ORDER BY name, id`, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			c, err := scanCarrier(rows)
			if err != nil {
				return err
			}
			out = append(out, c)
		}
		return rows.Err()
	})
	return out, err
}

// AddManager gives a manager account the carrier's places; coordinators do.
func (s *Service) AddManager(ctx context.Context, by accounts.User, carrierID int64, email string) error {
	if by.Role != accounts.Coordinator {
		return errForbidden
	}
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		var id int64
		var role string
		err := tx.QueryRowContext(ctx, `SELECT id, role FROM users WHERE email = $1`, accounts.NormalizeEmail(email)).Scan(&id, &role)
		if errors.Is(err, sql.ErrNoRows) {
			return &coop.Error{Code: coop.EInvalid, Message: "error.invalid_form", Fields: map[string]string{"manager_email": "places.manager_unknown"}}
		}
		if err != nil {
			return err
		}
		if accounts.Role(role) != accounts.Manager {
			return &coop.Error{Code: coop.EInvalid, Message: "error.invalid_form", Fields: map[string]string{"manager_email": "places.not_a_manager"}}
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO carrier_managers (carrier_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, carrierID, id)
		return err
	})
}

// RemoveManager takes a manager off a carrier; coordinators do.
func (s *Service) RemoveManager(ctx context.Context, by accounts.User, carrierID, userID int64) error {
	if by.Role != accounts.Coordinator {
		return errForbidden
	}
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM carrier_managers WHERE carrier_id = $1 AND user_id = $2`, carrierID, userID)
		return err
	})
}

// ParseID reads an identifier from a URL.
func ParseID(s string) (int64, error) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, coop.Errorf(coop.ENotFound, "error.not_found")
	}
	return id, nil
}
