package opendata

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base32"
	"errors"
	"strings"
	"time"

	"coopconnect/internal/accounts"
	"coopconnect/internal/coop"
	"coopconnect/internal/db"
	"coopconnect/internal/places"
	"coopconnect/internal/territory"
)

// The formats of imported files.
const (
	FormatStandard = "standard" // « Lieux de médiation numérique »
	FormatCGET2019 = "cget2019" // the 2019 national census of tiers-lieux
)

// Importer takes places from open-data files: an upload is kept until its
// preview is confirmed, then every row becomes a place, or none does.
type Importer struct {
	DB       *db.DB
	Places   *places.Service
	Communes *territory.Index
}

// Upload is a file waiting for, or done with, its import.
type Upload struct {
	PublicID   string
	Format     string
	Filename   string
	CarrierID  int64
	Data       []byte
	ImportedAt *time.Time
	Created    int
}

// Preview is what an import would do, row by row.
type Preview struct {
	Upload
	Rows    []Candidate
	Already map[string]bool // keys imported before: skipped
	Valid   int
	Invalid int
}

func parse(format string, data []byte) ([]Candidate, error) {
	if format == FormatCGET2019 {
		return ParseCGET2019(bytes.NewReader(data))
	}
	return ParseStandardCSV(bytes.NewReader(data))
}

// Save checks and keeps an uploaded file for a carrier by may edit; a file
// that is not a table of the format is refused at once, on its field.
func (im *Importer) Save(ctx context.Context, by accounts.User, format, filename, carrierID string, data []byte) (Upload, error) {
	p := coop.Problems{}
	if format != FormatStandard && format != FormatCGET2019 {
		p.Add("format", "error.choose_in_list")
	}
	carrier, err := places.ParseID(carrierID)
	if err != nil {
		p.Add("carrier", "error.choose_in_list")
	} else if _, err := im.Places.Carrier(ctx, by, carrier); err != nil {
		p.Add("carrier", "places.carrier_not_yours")
	}
	var fileArgs []any // the arguments of the file's problem
	switch {
	case len(data) == 0:
		p.Add("file", "error.required")
	case len(data) > MaxImportBytes:
		p.Add("file", "opendata.too_big")
		fileArgs = []any{MaxImportBytes >> 20}
	case p["format"] == "":
		if _, err := parse(format, data); err != nil {
			e := coop.AsError(err)
			if e == nil {
				return Upload{}, err
			}
			p.Add("file", e.Message)
			fileArgs = e.Args
		}
	}
	if err := p.Err(); err != nil {
		if fileArgs != nil {
			err.(*coop.Error).FieldArgs = map[string][]any{"file": fileArgs}
		}
		return Upload{}, err
	}
	u := Upload{PublicID: randomID(), Format: format, Filename: strings.TrimSpace(filename), CarrierID: carrier, Data: data}
	err = im.DB.Write(ctx, func(tx *db.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO imports (public_id, format, filename, data, carrier_id, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			u.PublicID, u.Format, u.Filename, u.Data, u.CarrierID, by.ID, tx.Now)
		return err
	})
	return u, err
}

func randomID() string {
	b := make([]byte, 10)
	_, _ = rand.Read(b)
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
}

// Load returns an upload whose carrier by may edit.
func (im *Importer) Load(ctx context.Context, by accounts.User, publicID string) (Upload, error) {
	var u Upload
	var imported sql.NullTime
	err := im.DB.SQL.QueryRowContext(ctx, `SELECT public_id, format, filename, data, carrier_id, imported_at, created_places FROM imports WHERE public_id = $1`, publicID).
		Scan(&u.PublicID, &u.Format, &u.Filename, &u.Data, &u.CarrierID, &imported, &u.Created)
	if errors.Is(err, sql.ErrNoRows) {
		return u, coop.Errorf(coop.ENotFound, "error.not_found")
	}
	if err != nil {
		return u, err
	}
	if imported.Valid {
		u.ImportedAt = &imported.Time
	}
	if _, err := im.Places.Carrier(ctx, by, u.CarrierID); err != nil {
		return u, coop.Errorf(coop.ENotFound, "error.not_found")
	}
	return u, nil
}

// Preview checks every row of an upload.
func (im *Importer) Preview(ctx context.Context, u Upload) (Preview, error) {
	cands, err := parse(u.Format, u.Data)
	if err != nil {
		return Preview{}, err
	}
	pv := Preview{Upload: u, Rows: Check(cands, im.Communes, im.DB.Clock.Now())}
	keys := make([]string, len(pv.Rows))
	for i, c := range pv.Rows {
		keys[i] = c.Key
		if c.Valid() {
			pv.Valid++
		} else {
			pv.Invalid++
		}
	}
	pv.Already, err = im.Places.ImportedKeys(ctx, keys)
	return pv, err
}

// Confirm imports every row of an upload, or nothing when any row is
// refused. It returns how many places were created and skipped (imported
// before).
func (im *Importer) Confirm(ctx context.Context, by accounts.User, u Upload) (created, skipped int, err error) {
	pv, err := im.Preview(ctx, u)
	if err != nil {
		return 0, 0, err
	}
	if pv.Invalid > 0 {
		return 0, 0, coop.Errorf(coop.EPrecondition, "import.has_problems", pv.Invalid)
	}
	rows := make([]places.Imported, len(pv.Rows))
	for i, c := range pv.Rows {
		rows[i] = places.Imported{Key: c.Key, Input: c.Input}
	}
	if created, skipped, err = im.Places.ImportPlaces(ctx, by, u.CarrierID, rows); err != nil {
		return 0, 0, err
	}
	err = im.DB.Write(ctx, func(tx *db.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE imports SET imported_at = $1, created_places = created_places + $2 WHERE public_id = $3`, tx.Now, created, u.PublicID)
		return err
	})
	return created, skipped, err
}
