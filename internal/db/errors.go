package db

import (
	"errors"
	"fmt"
	"strings"

	"coopconnect/internal/coop"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
)

// SQLite result codes (https://sqlite.org/rescode.html) the mapping needs.
const (
	sqliteBusy             = 5
	sqliteLocked           = 6
	sqliteConstraint       = 19
	sqliteConstraintUnique = 2067
	sqliteConstraintPK     = 1555
	sqliteConstraintFK     = 787
	sqliteConstraintTrig   = 1811
)

// MapError translates a driver error, once and by code, into the
// application's: a uniqueness or exclusion violation becomes EConflict, a
// missing referenced row EInvalid, a busy database a retry. Other errors are
// returned as they are.
func (d *DB) MapError(err error) error {
	if err == nil || coop.AsError(err) != nil || errors.Is(err, errRetry) {
		return err
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		code := se.Code()
		switch {
		case code&0xff == sqliteBusy || code&0xff == sqliteLocked:
			return errRetry
		case code == sqliteConstraintUnique || code == sqliteConstraintPK || code == sqliteConstraintTrig:
			return &coop.Error{Code: coop.EConflict, Message: "error.conflict"}
		case code == sqliteConstraintFK:
			return &coop.Error{Code: coop.EInvalid, Message: "error.reference"}
		}
		return err
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "23505", "23P01", "P0001": // unique, exclusion, raised by a trigger
			return &coop.Error{Code: coop.EConflict, Message: "error.conflict"}
		case "23503":
			return &coop.Error{Code: coop.EInvalid, Message: "error.reference"}
		case "40001", "40P01": // serialization failure, deadlock
			return errRetry
		}
	}
	return err
}

// Raised returns what refused a statement in the database: the message a
// trigger raised, or the name of the exclusion constraint it broke; "" for
// any other error.
func Raised(err error) string {
	var se *sqlite.Error
	if errors.As(err, &se) && se.Code() == sqliteConstraintTrig {
		// "constraint failed: <message> (1811)"
		msg := strings.TrimSuffix(se.Error(), fmt.Sprintf(" (%d)", se.Code()))
		if i := strings.LastIndex(msg, ": "); i >= 0 {
			msg = msg[i+len(": "):]
		}
		return msg
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "P0001":
			return pe.Message
		case "23P01":
			return pe.ConstraintName
		}
	}
	return ""
}

func isBusy(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		c := se.Code() & 0xff
		return c == sqliteBusy || c == sqliteLocked
	}
	return false
}

// IsConflict tells whether err is a uniqueness or exclusion conflict.
func IsConflict(err error) bool { return coop.ErrorCode(err) == coop.EConflict }
