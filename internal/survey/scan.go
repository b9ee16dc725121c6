package survey

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
)

// Reading 100,000 stored answers into the results cache with
// encoding/json costs seconds, most of it in maps and strings that the
// cache drops at once. scanAnswers reads the one shape the answers are
// stored in — {"id":{"c":["code"],"o":"…","n":1.5,"t":"…"},…}, as
// json.Marshal writes an Answers — and hands each value over as bytes,
// valid until the next call.

// rawValue is one answer as scanned; its slices point into the row.
type rawValue struct {
	choices   [][]byte
	number    float64
	hasNumber bool
	text      []byte
}

var errScan = errors.New("survey: answers are not in their stored shape")

type scanner struct {
	b []byte
	i int
}

func (s *scanner) space() {
	for s.i < len(s.b) && (s.b[s.i] == ' ' || s.b[s.i] == '\n' || s.b[s.i] == '\t' || s.b[s.i] == '\r') {
		s.i++
	}
}

// is consumes c, after spaces, if it comes next.
func (s *scanner) is(c byte) bool {
	s.space()
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

// str reads a string; one with escapes is decoded into a new slice.
func (s *scanner) str() ([]byte, error) {
	if !s.is('"') {
		return nil, errScan
	}
	start := s.i
	escaped := false
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case '\\':
			escaped = true
			s.i += 2
			continue
		case '"':
			s.i++
			if !escaped {
				return s.b[start : s.i-1], nil
			}
			var out string
			if err := json.Unmarshal(s.b[start-1:s.i], &out); err != nil {
				return nil, err
			}
			return []byte(out), nil
		}
		s.i++
	}
	return nil, errScan
}

func (s *scanner) number() (float64, error) {
	s.space()
	start := s.i
	for s.i < len(s.b) && bytes.IndexByte([]byte("+-.0123456789eE"), s.b[s.i]) >= 0 {
		s.i++
	}
	return strconv.ParseFloat(string(s.b[start:s.i]), 64)
}

// scanAnswers calls fn with each question id and value of a stored
// answer.
func scanAnswers(b []byte, v *rawValue, fn func(id []byte, v *rawValue)) error {
	s := &scanner{b: b}
	if !s.is('{') {
		return errScan
	}
	if s.is('}') {
		return nil
	}
	for {
		id, err := s.str()
		if err != nil || !s.is(':') || !s.is('{') {
			return errScan
		}
		*v = rawValue{choices: v.choices[:0]}
		for !s.is('}') {
			field, err := s.str()
			if err != nil || !s.is(':') {
				return errScan
			}
			switch string(field) {
			case "c":
				if !s.is('[') {
					return errScan
				}
				for !s.is(']') {
					c, err := s.str()
					if err != nil {
						return err
					}
					v.choices = append(v.choices, c)
					s.is(',')
				}
			case "n":
				if v.number, err = s.number(); err != nil {
					return err
				}
				v.hasNumber = true
			case "o", "t":
				t, err := s.str()
				if err != nil {
					return err
				}
				if field[0] == 't' {
					v.text = t
				}
			default:
				return errScan
			}
			s.is(',')
		}
		fn(id, v)
		if s.is('}') {
			return nil
		}
		if !s.is(',') {
			return errScan
		}
	}
}
