package openhours

import (
	"fmt"
	"unicode/utf8"
)

// SyntaxError says where and why a value is not valid opening_hours syntax.
//
// Msg is in English, for logs and the command line. Key and Args are for
// people: Key is a message key of the i18n catalogs ("hours.…") whose
// French and English texts take Args with fmt verbs, in order. The web
// shows the reason with the column, for example « colonne 13 : … ».
type SyntaxError struct {
	// Pos is the byte offset in the value (0-based) where the problem
	// starts; len(value) when the value ends too early.
	Pos int
	// Col is the same place counted in characters (runes), 1-based, as a
	// person reads it in a text field.
	Col  int
	Msg  string
	Key  string
	Args []any
}

// Error gives the column and the English message.
func (e *SyntaxError) Error() string {
	return fmt.Sprintf("opening_hours: column %d: %s", e.Col, e.Msg)
}

// The message keys of syntax errors, stable: the i18n catalogs hold their
// French and English texts. Only the keys marked Args take arguments.
const (
	KeyEmpty             = "hours.empty"               // no rule at all
	KeyUnexpectedChar    = "hours.unexpected_char"     // Args: the character
	KeyUnknownWord       = "hours.unknown_word"        // Args: the word
	KeyUnexpected        = "hours.unexpected"          // Args: the token as written
	KeyUnexpectedEnd     = "hours.unexpected_end"      // the value stops in the middle of something
	KeyUnsupported       = "hours.unsupported"         // Args: the construct, as written
	KeyUnclosedComment   = "hours.unclosed_comment"    // a comment without its closing quote
	KeyTimeIncomplete    = "hours.time_incomplete"     // "08:00-" or "08:00-12"
	KeyTimeRangeExpected = "hours.time_range_expected" // "08:00" alone: a point in time
	KeyMinutes           = "hours.minutes"             // Args: the minutes (> 59)
	KeyStartAfterDay     = "hours.start_after_day"     // a range starting at 24:00 or later
	KeyTwoMidnights      = "hours.two_midnights"       // a range ending after 48:00
	KeyEmptyRange        = "hours.empty_range"         // "9-9"
	KeyNthRange          = "hours.nth_range"           // Su[0], Su[6]
	KeyNthReversed       = "hours.nth_reversed"        // Su[3-1]
	KeyNthOne            = "hours.nth_one"             // "Mar Th[2-3]": one number after a month
	KeyBracketExpected   = "hours.bracket_expected"    // Su[1 without "]"
	KeyDayOfMonth        = "hours.day_of_month"        // Args: day, month ("Apr 31")
	KeyDayRangeReversed  = "hours.day_range_reversed"  // "Dec 26-24"
	KeyDateRangeYears    = "hours.date_range_years"    // "2026 Dec 24-Jan 02": a year on one side only
	KeyWeekRange         = "hours.week_range"          // week 0, week 54, week 10-5
	KeyWeekPeriod        = "hours.week_period"         // week 1-53/1 or /27
	KeyYearRange         = "hours.year_range"          // 2027-2026, 2026-2026
	KeyPeriodZero        = "hours.period_zero"         // 2026/0, Jan 01-31/0
	KeyAdditionalRule    = "hours.additional_rule"     // "Mo, 10:00-12:00": a comma that starts nothing
	KeyFallbackEmpty     = "hours.fallback_empty"      // "|| …" with no rule before
	KeyNumberTooLong     = "hours.number_too_long"     // more digits than any date or time has
)

// errAt builds the error at byte offset pos of value.
func errAt(value string, pos int, key, msg string, args ...any) *SyntaxError {
	if pos > len(value) {
		pos = len(value)
	}
	if pos < 0 {
		pos = 0
	}
	return &SyntaxError{
		Pos:  pos,
		Col:  utf8.RuneCountInString(value[:pos]) + 1,
		Msg:  msg,
		Key:  key,
		Args: args,
	}
}
