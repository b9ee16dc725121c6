package opendata

import (
	"encoding/base64"
	"fmt"
	"math"
	"net/mail"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Problem is a cell that breaks a constraint of the schema.
type Problem struct {
	// Row is the 1-based position of the row among the rows validated: the
	// CSV line of the row is Row+1, after the header.
	Row   int
	Field string
	// Constraint is the TableSchema keyword broken: required, type,
	// pattern, enum, minLength, maxLength, minimum, maximum or unique.
	Constraint string
	Value      string
}

func (p Problem) String() string {
	return fmt.Sprintf("row %d: %s: %s (%q)", p.Row, p.Field, p.Constraint, p.Value)
}

// Validate checks rows against the standard's schema and returns every
// problem, row by row, in the schema's field order.
func Validate(rows []Row) []Problem {
	records := make([][]string, len(rows))
	for i, r := range rows {
		records[i] = r.Cells()
	}
	return schemaValidator.validate(records)
}

// schemaValidator is the compiled schema: read-only once built.
var schemaValidator = mustCompile(schema)

func mustCompile(fields []Field) *validator {
	v, err := compile(fields)
	if err != nil {
		panic("opendata: " + err.Error()) // the schema is a constant, checked by the tests
	}
	return v
}

// validator interprets the TableSchema constraints of a field list.
type validator struct {
	fields []compiledField
}

type compiledField struct {
	Field
	pattern  *regexp.Regexp
	parse    func(string) (any, bool) // the cell's value, or false when it is not of the type
	min, max any
}

// compile prepares a field list; it fails on a type, format or pattern
// this interpreter does not support, so that a new schema cannot be
// half-checked silently.
func compile(fields []Field) (*validator, error) {
	v := &validator{}
	for _, f := range fields {
		cf := compiledField{Field: f}
		var err error
		if cf.parse, err = parser(f.Type, f.Format); err != nil {
			return nil, fmt.Errorf("field %s: %w", f.Name, err)
		}
		c := f.Constraints
		if c.Pattern != "" {
			// A TableSchema pattern matches the whole value (XML Schema
			// semantics), whether or not it is anchored.
			if cf.pattern, err = regexp.Compile(`^(?:` + c.Pattern + `)$`); err != nil {
				return nil, fmt.Errorf("field %s: pattern: %w", f.Name, err)
			}
		}
		for _, b := range []struct {
			text string
			dst  *any
		}{{c.Minimum, &cf.min}, {c.Maximum, &cf.max}} {
			if b.text == "" {
				continue
			}
			val, ok := cf.parse(b.text)
			if !ok || compare(val, val) != 0 {
				return nil, fmt.Errorf("field %s: bound %q is not a comparable %s", f.Name, b.text, f.Type)
			}
			*b.dst = val
		}
		v.fields = append(v.fields, cf)
	}
	return v, nil
}

// validate checks records whose cells are in the fields' order.
func (v *validator) validate(records [][]string) []Problem {
	var out []Problem
	seen := make([]map[string]int, len(v.fields))
	for i := range records {
		for j, f := range v.fields {
			cell := ""
			if j < len(records[i]) {
				cell = records[i][j]
			}
			add := func(constraint string) {
				out = append(out, Problem{Row: i + 1, Field: f.Name, Constraint: constraint, Value: cell})
			}
			// The default missing value of TableSchema is the empty string:
			// only "required" applies to it.
			if cell == "" {
				if f.Constraints.Required {
					add("required")
				}
				continue
			}
			val, ok := f.parse(cell)
			if !ok {
				add("type")
				continue
			}
			c := f.Constraints
			if n := utf8.RuneCountInString(cell); c.MinLength != nil && n < *c.MinLength {
				add("minLength")
			}
			if n := utf8.RuneCountInString(cell); c.MaxLength != nil && n > *c.MaxLength {
				add("maxLength")
			}
			if f.pattern != nil && !f.pattern.MatchString(cell) {
				add("pattern")
			}
			if c.Enum != nil && !slices.ContainsFunc(c.Enum, func(e string) bool {
				ev, ok := f.parse(e)
				return ok && compare(ev, val) == 0
			}) {
				add("enum")
			}
			if f.min != nil && compare(val, f.min) < 0 {
				add("minimum")
			}
			if f.max != nil && compare(val, f.max) > 0 {
				add("maximum")
			}
			if c.Unique {
				if seen[j] == nil {
					seen[j] = map[string]int{}
				}
				if _, dup := seen[j][cell]; dup {
					add("unique")
				} else {
					seen[j][cell] = i
				}
			}
		}
	}
	return out
}

var (
	numberLexical  = regexp.MustCompile(`^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$`)
	integerLexical = regexp.MustCompile(`^[+-]?[0-9]+$`)
	uuidLexical    = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
)

// parser returns the function that reads a cell of a TableSchema type and
// format (with the specification's default options: decimal point, no
// group character, bare numbers).
func parser(typ, format string) (func(string) (any, bool), error) {
	if format == "" {
		format = "default"
	}
	switch typ {
	case "string":
		switch format {
		case "default":
			return func(s string) (any, bool) { return s, true }, nil
		case "email":
			return func(s string) (any, bool) {
				a, err := mail.ParseAddress(s)
				return s, err == nil && a.Address == s
			}, nil
		case "uri":
			return func(s string) (any, bool) {
				u, err := url.Parse(s)
				return s, err == nil && u.Scheme != ""
			}, nil
		case "uuid":
			return func(s string) (any, bool) { return s, uuidLexical.MatchString(s) }, nil
		case "binary":
			return func(s string) (any, bool) {
				_, err := base64.StdEncoding.DecodeString(s)
				return s, err == nil
			}, nil
		}
	case "number":
		if format == "default" {
			return func(s string) (any, bool) {
				switch s {
				case "NaN":
					return math.NaN(), true
				case "INF", "+INF":
					return math.Inf(1), true
				case "-INF":
					return math.Inf(-1), true
				}
				if !numberLexical.MatchString(s) {
					return nil, false
				}
				f, err := strconv.ParseFloat(s, 64)
				return f, err == nil
			}, nil
		}
	case "integer":
		if format == "default" {
			return func(s string) (any, bool) {
				if !integerLexical.MatchString(s) {
					return nil, false
				}
				n, err := strconv.ParseInt(s, 10, 64)
				return float64(n), err == nil
			}, nil
		}
	case "year":
		if format == "default" {
			return func(s string) (any, bool) {
				n, err := strconv.Atoi(s)
				return float64(n), err == nil && integerLexical.MatchString(s)
			}, nil
		}
	case "boolean":
		if format == "default" {
			return func(s string) (any, bool) {
				switch s {
				case "true", "True", "TRUE", "1":
					return 1.0, true
				case "false", "False", "FALSE", "0":
					return 0.0, true
				}
				return nil, false
			}, nil
		}
	case "date", "datetime", "time":
		layouts := map[string][]string{
			"date":     {"2006-01-02"},
			"datetime": {time.RFC3339},
			"time":     {"15:04:05"},
		}[typ]
		switch {
		case format == "default":
		case format == "any":
			layouts = map[string][]string{
				"date":     {"2006-01-02", "02/01/2006", "2006/01/02", "02-01-2006"},
				"datetime": {time.RFC3339, "2006-01-02T15:04:05", "2006-01-02 15:04:05"},
				"time":     {"15:04:05", "15:04"},
			}[typ]
		default:
			l, err := strftimeLayout(format)
			if err != nil {
				return nil, err
			}
			layouts = []string{l}
		}
		return func(s string) (any, bool) {
			for _, l := range layouts {
				if t, err := time.Parse(l, s); err == nil {
					return t, true
				}
			}
			return nil, false
		}, nil
	case "any":
		return func(s string) (any, bool) { return s, true }, nil
	}
	return nil, fmt.Errorf("type %q with format %q is not supported", typ, format)
}

// strftimeLayout turns a TableSchema date pattern ("%d/%m/%Y") into a Go
// layout.
func strftimeLayout(format string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(format); i++ {
		if format[i] != '%' {
			b.WriteByte(format[i])
			continue
		}
		if i++; i == len(format) {
			return "", fmt.Errorf("format %q ends with %%", format)
		}
		l, ok := map[byte]string{'Y': "2006", 'y': "06", 'm': "01", 'd': "02", 'H': "15", 'M': "04", 'S': "05", 'z': "-0700", '%': "%"}[format[i]]
		if !ok {
			return "", fmt.Errorf("format %q: %%%c is not supported", format, format[i])
		}
		b.WriteString(l)
	}
	return b.String(), nil
}

// compare orders two values of the same type; it returns 2 when they are
// not comparable (NaN, or different kinds).
func compare(a, b any) int {
	switch a := a.(type) {
	case string:
		if b, ok := b.(string); ok {
			return strings.Compare(a, b)
		}
	case float64:
		if b, ok := b.(float64); ok && !math.IsNaN(a) && !math.IsNaN(b) {
			switch {
			case a < b:
				return -1
			case a > b:
				return 1
			}
			return 0
		}
	case time.Time:
		if b, ok := b.(time.Time); ok {
			return a.Compare(b)
		}
	}
	return 2
}
