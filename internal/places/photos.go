package places

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"image"
	"image/jpeg"
	"strings"
	"unicode/utf8"

	_ "image/gif" // decoders of the accepted uploads
	_ "image/png"

	"golang.org/x/image/draw"
	_ "golang.org/x/image/webp"

	"coopconnect/internal/accounts"
	"coopconnect/internal/coop"
	"coopconnect/internal/db"
)

// Limits of photo uploads.
const (
	MaxPhotoBytes  = 12 << 20 // what a phone takes
	maxPhotoPixels = 60e6     // a decompression bomb is refused before decoding
	photoSide      = 1600     // the longest side kept
	thumbSide      = 480
	maxPhotos      = 20
)

// resize scales img so that its longest side is at most side, and encodes
// it as JPEG. Re-encoding drops every metadata (location included).
func resize(img image.Image, side int) ([]byte, int, int, error) {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if w > side || h > side {
		if w >= h {
			w, h = side, max(1, h*side/w)
		} else {
			w, h = max(1, w*side/h), side
		}
	}
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.CatmullRom.Scale(dst, dst.Bounds(), img, b, draw.Src, nil)
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, dst, &jpeg.Options{Quality: 82}); err != nil {
		return nil, 0, 0, err
	}
	return buf.Bytes(), w, h, nil
}

// AddPhoto checks an upload is an image (by its content, not its name),
// resizes it and stores it for the place, or one of its spaces.
func (s *Service) AddPhoto(ctx context.Context, by accounts.User, slug, spaceID, alt string, data []byte) (Photo, error) {
	p := coop.Problems{}
	alt = strings.TrimSpace(alt)
	if alt == "" {
		p.Add("alt", "places.alt_required")
	} else if utf8.RuneCountInString(alt) > 200 {
		p.Add("alt", "error.too_long")
	}
	var img image.Image
	switch {
	case len(data) == 0:
		p.Add("photo", "error.required")
	case len(data) > MaxPhotoBytes:
		p.Add("photo", "places.photo_too_big")
	default:
		cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
		if err != nil {
			p.Add("photo", "places.photo_not_image")
		} else if float64(cfg.Width)*float64(cfg.Height) > maxPhotoPixels || cfg.Width < 200 || cfg.Height < 150 {
			p.Add("photo", "places.photo_size")
		} else if img, _, err = image.Decode(bytes.NewReader(data)); err != nil {
			p.Add("photo", "places.photo_not_image")
		}
	}
	if err := p.Err(); err != nil {
		return Photo{}, err
	}
	full, w, h, err := resize(img, photoSide)
	if err != nil {
		return Photo{}, err
	}
	thumb, _, _, err := resize(img, thumbSide)
	if err != nil {
		return Photo{}, err
	}
	ph := Photo{PublicID: randomID(), Alt: alt, Width: w, Height: h}
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		placeID, err := editablePlace(ctx, tx, by, slug)
		if err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM photos WHERE place_id = $1`, placeID).Scan(&n); err != nil {
			return err
		}
		if n >= maxPhotos {
			return &coop.Error{Code: coop.EInvalid, Message: "error.invalid_form", Fields: map[string]string{"photo": "places.photo_too_many"}}
		}
		var space *int64
		if spaceID != "" {
			var id int64
			err := tx.QueryRowContext(ctx, `SELECT id FROM spaces WHERE public_id = $1 AND place_id = $2`, spaceID, placeID).Scan(&id)
			if errors.Is(err, sql.ErrNoRows) {
				return &coop.Error{Code: coop.EInvalid, Message: "error.invalid_form", Fields: map[string]string{"space": "error.choose_in_list"}}
			} else if err != nil {
				return err
			}
			space = &id
		}
		ph.SpaceID = space
		_, err = tx.ExecContext(ctx, `INSERT INTO photos (public_id, place_id, space_id, alt, width, height, data, thumb, position, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, ph.PublicID, placeID, space, alt, w, h, full, thumb, n+1, tx.Now)
		return err
	})
	return ph, err
}

// PhotoData returns the JPEG bytes of a photo, or of its thumbnail.
func (s *Service) PhotoData(ctx context.Context, publicID string, thumb bool) ([]byte, error) {
	col := "data"
	if thumb {
		col = "thumb"
	}
	var b []byte
	err := s.DB.SQL.QueryRowContext(ctx, `SELECT `+col+` FROM photos WHERE public_id = $1`, publicID).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, coop.Errorf(coop.ENotFound, "error.not_found")
	}
	return b, err
}

// DeletePhoto removes a photo of a place.
func (s *Service) DeletePhoto(ctx context.Context, by accounts.User, slug, publicID string) error {
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		placeID, err := editablePlace(ctx, tx, by, slug)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM photos WHERE public_id = $1 AND place_id = $2`, publicID, placeID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return coop.Errorf(coop.ENotFound, "error.not_found")
		}
		return nil
	})
}

func photosOf(ctx context.Context, tx *db.Tx, placeID int64) ([]Photo, error) {
	rows, err := tx.QueryContext(ctx, `SELECT public_id, space_id, alt, width, height FROM photos WHERE place_id = $1 ORDER BY position, id`, placeID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Photo
	for rows.Next() {
		var ph Photo
		var space sql.NullInt64
		if err := rows.Scan(&ph.PublicID, &space, &ph.Alt, &ph.Width, &ph.Height); err != nil {
			return nil, err
		}
		if space.Valid {
			ph.SpaceID = &space.Int64
		}
		out = append(out, ph)
	}
	return out, rows.Err()
}
