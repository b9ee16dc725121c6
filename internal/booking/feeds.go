package booking

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"errors"
	"time"

	"coopconnect/internal/accounts"
	"coopconnect/internal/coop"
	"coopconnect/internal/db"
	"coopconnect/internal/ical"
)

// Calendar feeds are private iCal addresses: a member's bookings, or a
// place's occupancy for its staff. The secret in the address is the only
// key, so it is long, random, and can be replaced (ending the old one).

// How far a feed looks back and ahead.
const (
	feedPast   = 30 * 24 * time.Hour
	feedFuture = 366 * 24 * time.Hour
)

func newSecret() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// existingSecret returns the secret of the feed of owner (column user_id
// or place_id), "" when there is none.
func existingSecret(ctx context.Context, tx *db.Tx, column string, owner int64) (string, error) {
	var secret string
	err := tx.QueryRowContext(ctx, `SELECT secret FROM calendar_feeds WHERE `+column+` = $1`, owner).Scan(&secret)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return secret, err
}

// renewSecret gives the feed of owner a new secret, ending the old one.
func renewSecret(ctx context.Context, tx *db.Tx, column string, owner int64) (string, error) {
	if _, err := tx.ExecContext(ctx, `DELETE FROM calendar_feeds WHERE `+column+` = $1`, owner); err != nil {
		return "", err
	}
	secret := newSecret()
	_, err := tx.ExecContext(ctx, `INSERT INTO calendar_feeds (secret, `+column+`, created_at) VALUES ($1, $2, $3)`, secret, owner, tx.Now)
	return secret, err
}

// MemberFeed returns the secret of a member's feed, "" until they ask for one.
func (s *Service) MemberFeed(ctx context.Context, userID int64) (string, error) {
	var secret string
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		var err error
		secret, err = existingSecret(ctx, tx, "user_id", userID)
		return err
	})
	return secret, err
}

// RenewMemberFeed makes a member's feed, or gives it a new secret.
func (s *Service) RenewMemberFeed(ctx context.Context, userID int64) (string, error) {
	var secret string
	err := s.DB.Write(ctx, func(tx *db.Tx) error {
		var err error
		secret, err = renewSecret(ctx, tx, "user_id", userID)
		return err
	})
	return secret, err
}

// PlaceFeed returns the secret of a place's occupancy feed, for its staff;
// "" until one is made.
func (s *Service) PlaceFeed(ctx context.Context, by accounts.User, slug string) (string, error) {
	var secret string
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		placeID, err := s.hostedPlace(ctx, tx, by, slug)
		if err != nil {
			return err
		}
		secret, err = existingSecret(ctx, tx, "place_id", placeID)
		return err
	})
	return secret, err
}

// RenewPlaceFeed makes a place's occupancy feed, or gives it a new secret.
func (s *Service) RenewPlaceFeed(ctx context.Context, by accounts.User, slug string) (string, error) {
	var secret string
	err := s.DB.Write(ctx, func(tx *db.Tx) error {
		placeID, err := s.hostedPlace(ctx, tx, by, slug)
		if err != nil {
			return err
		}
		secret, err = renewSecret(ctx, tx, "place_id", placeID)
		return err
	})
	return secret, err
}

// Feed returns the calendar of a feed's secret: a member's bookings or a
// place's, from a month ago to a year ahead; cancelled ones stay, marked
// so, for calendars to drop them. An unknown secret is ENotFound.
func (s *Service) Feed(ctx context.Context, secret string, baseURL string) (ical.Calendar, error) {
	var cal ical.Calendar
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		var user, place sql.NullInt64
		err := tx.QueryRowContext(ctx, `SELECT user_id, place_id FROM calendar_feeds WHERE secret = $1`, secret).Scan(&user, &place)
		if errors.Is(err, sql.ErrNoRows) || secret == "" {
			return coop.Errorf(coop.ENotFound, "error.not_found")
		}
		if err != nil {
			return err
		}
		from, to := tx.Now.Add(-feedPast), tx.Now.Add(feedFuture)
		var list []Booking
		cal = ical.Calendar{Method: ical.Publish}
		if user.Valid {
			cal.Name = "Coop-connect"
			list, err = listTx(ctx, tx, ` WHERE b.user_id = $1 AND b.status IN ('pending', 'offered', 'confirmed', 'cancelled', 'refused')
				AND b.start_at < $3 AND b.end_at > $2 AND b.start_at > $4 ORDER BY b.start_at, b.id`, user.Int64, from, to, from.Add(-MaxLength))
		} else {
			if err := tx.QueryRowContext(ctx, `SELECT name FROM places WHERE id = $1`, place.Int64).Scan(&cal.Name); err != nil {
				return err
			}
			list, err = listTx(ctx, tx, ` WHERE s.place_id = $1 AND b.status IN ('pending', 'offered', 'confirmed', 'cancelled')
				AND b.start_at < $3 AND b.end_at > $2 AND b.start_at > $4 ORDER BY b.start_at, b.id`, place.Int64, from, to, from.Add(-MaxLength))
		}
		if err != nil {
			return err
		}
		m := Mailer{BaseURL: baseURL}
		for _, b := range list {
			summary := b.SpaceName + " — " + b.PlaceName
			if place.Valid {
				summary = b.SpaceName + " — " + b.Who()
			}
			status := ical.Confirmed
			switch b.Status {
			case Pending, Offered:
				status = ical.Tentative
			case Cancelled, Refused:
				status = ical.Cancelled
			}
			cal.Events = append(cal.Events, m.Event(b, status, tx.Now, summary))
		}
		return nil
	})
	return cal, err
}
