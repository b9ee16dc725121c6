package accounts

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"coopconnect/internal/coop"
	"coopconnect/internal/db"
)

// APITokenPrefix starts every API token, so a leaked one is recognisable
// by secret scanners.
const APITokenPrefix = "cc_"

// APIToken is an integration's credential, acting as its account.
type APIToken struct {
	PublicID   string
	Name       string
	CreatedAt  time.Time
	LastUsedAt *time.Time
	Revoked    bool
}

// NewAPITokenSecret returns a new token's secret and the hash that the
// api_tokens table stores of it, for who inserts tokens in bulk (the
// benchmark's generated network).
func NewAPITokenSecret() (secret, hash string) {
	secret = APITokenPrefix + randomToken()
	return secret, hashToken(secret)
}

// CreateAPIToken makes a new token for an account and returns its secret,
// shown once and never stored.
func (s *Service) CreateAPIToken(ctx context.Context, userID int64, name string) (string, error) {
	name = strings.TrimSpace(name)
	p := coop.Problems{}
	if name == "" {
		p.Add("token_name", "error.required")
	} else if utf8.RuneCountInString(name) > 80 {
		p.Add("token_name", "error.name_too_long")
	}
	if err := p.Err(); err != nil {
		return "", err
	}
	secret, hash := NewAPITokenSecret()
	err := s.DB.Write(ctx, func(tx *db.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO api_tokens (public_id, user_id, name, token_hash, created_at) VALUES ($1, $2, $3, $4, $5)`,
			publicID(), userID, name, hash, tx.Now)
		return err
	})
	return secret, err
}

// APITokens lists the live tokens of an account, newest first.
func (s *Service) APITokens(ctx context.Context, userID int64) ([]APIToken, error) {
	rows, err := s.DB.SQL.QueryContext(ctx, `SELECT public_id, name, created_at, last_used_at FROM api_tokens
		WHERE user_id = $1 AND revoked_at IS NULL ORDER BY created_at DESC, id DESC`, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []APIToken
	for rows.Next() {
		var t APIToken
		var used sql.NullTime
		if err := rows.Scan(&t.PublicID, &t.Name, &t.CreatedAt, &used); err != nil {
			return nil, err
		}
		if used.Valid {
			t.LastUsedAt = &used.Time
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// RevokeAPIToken revokes one of the account's own tokens; another
// account's token is not found.
func (s *Service) RevokeAPIToken(ctx context.Context, userID int64, id string) error {
	return s.changeAccount(ctx, func(tx *db.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE api_tokens SET revoked_at = $1 WHERE public_id = $2 AND user_id = $3 AND revoked_at IS NULL`, tx.Now, id, userID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return coop.Errorf(coop.ENotFound, "error.not_found")
		}
		return nil
	})
}

// APITokenUser returns the account of a bearer token. An integration
// sends its token with every request, so the account is kept in memory
// for a moment (see tokenCache).
func (s *Service) APITokenUser(ctx context.Context, secret string) (User, error) {
	if !strings.HasPrefix(secret, APITokenPrefix) {
		return User{}, coop.Errorf(coop.EUnauthorized, "api.token_invalid")
	}
	hash := hashToken(secret)
	now := db.Instant(s.DB.Clock.Now())
	e, ok, gen := s.tokens.get(hash, now)
	if !ok {
		// The token and its account in one query.
		var used sql.NullTime
		u, err := scanUser(prefixed{s.DB.SQL.QueryRowContext(ctx, `SELECT t.token_id, t.token_used, `+userColumns+` FROM users
			JOIN (SELECT id AS token_id, user_id AS token_user, last_used_at AS token_used FROM api_tokens
			      WHERE token_hash = $1 AND revoked_at IS NULL) t ON t.token_user = users.id`, hash), []any{&e.id, &used}})
		if errors.Is(err, sql.ErrNoRows) || coop.ErrorCode(err) == coop.ENotFound {
			return User{}, coop.Errorf(coop.EUnauthorized, "api.token_invalid")
		}
		if err != nil {
			return User{}, err
		}
		e.user, e.used, e.read = u, used.Time, now
	}
	keep := !ok
	if now.Sub(e.used) > time.Minute {
		if err := s.DB.Write(ctx, func(tx *db.Tx) error {
			_, err := tx.ExecContext(ctx, `UPDATE api_tokens SET last_used_at = $1 WHERE id = $2`, tx.Now, e.id)
			return err
		}); err != nil {
			return User{}, err
		}
		e.used, keep = now, true
	}
	if keep {
		s.tokens.put(hash, e, gen)
	}
	return e.user, nil
}

// changeAccount runs a write that changes an account or a token: the
// accounts of API tokens kept in memory are forgotten once it is done, so
// that the next request reads what it wrote.
func (s *Service) changeAccount(ctx context.Context, fn func(tx *db.Tx) error) error {
	defer s.tokens.forget()
	return s.DB.Write(ctx, fn)
}

// tokenTTL is how long the account of an API token is answered from
// memory. Every change made through the Service (a token revoked, an
// account deleted or edited: changeAccount) is seen at once; one made by
// another process on the same database within tokenTTL.
const tokenTTL = 2 * time.Second

// tokenCache keeps the accounts of the API tokens used in the last
// tokenTTL, by the token's hash: an integration booking ten times a second
// costs one query every two seconds instead of ten a second. Its zero value
// is empty and ready.
type tokenCache struct {
	mu  sync.Mutex
	gen uint64 // counts the forgets, so that a read overtaken by one is not kept
	m   map[string]tokenEntry
}

type tokenEntry struct {
	user User
	id   int64     // the token's row
	used time.Time // its last_used_at as stored
	read time.Time // when the entry was read from the database
}

// maxTokens bounds the entries kept; past it, the cache starts over.
const maxTokens = 10_000

// get returns the live entry of hash, and the generation a read made
// now on a miss must be put back with.
func (c *tokenCache) get(hash string, now time.Time) (tokenEntry, bool, uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[hash]
	if ok && (now.Sub(e.read) >= tokenTTL || now.Before(e.read)) {
		ok = false
	}
	return e, ok, c.gen
}

// put keeps e unless the cache was forgotten since gen.
func (c *tokenCache) put(hash string, e tokenEntry, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if c.m == nil || len(c.m) >= maxTokens {
		c.m = make(map[string]tokenEntry)
	}
	c.m[hash] = e
}

// forget empties the cache.
func (c *tokenCache) forget() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.m = nil
}

// prefixed scans some columns before those its caller scans.
type prefixed struct {
	row   interface{ Scan(...any) error }
	first []any
}

func (p prefixed) Scan(dest ...any) error { return p.row.Scan(append(p.first, dest...)...) }
