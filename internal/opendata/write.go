package opendata

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
)

// WriteCSV writes rows as the standard's CSV: UTF-8 without BOM, a header
// of the field names in the schema's order, comma-separated, quoted where
// needed (RFC 4180), multi-valued fields joined with "|".
func WriteCSV(w io.Writer, rows []Row) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(FieldNames()); err != nil {
		return err
	}
	for _, r := range rows {
		if err := cw.Write(r.Cells()); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteJSON writes rows as a JSON array of objects, one per line, with the
// fields in the schema's order: empty fields are left out, multi-valued
// fields are arrays of strings, numbers are numbers.
func WriteJSON(w io.Writer, rows []Row) error {
	bw := bufio.NewWriter(w)
	bw.WriteString("[")
	for i, r := range rows {
		if i > 0 {
			bw.WriteString(",")
		}
		bw.WriteString("\n{")
		first := true
		for _, f := range schema {
			cell := r.Get(f.Name)
			if cell == "" {
				continue
			}
			var v any = cell
			switch {
			case f.List:
				items := split(cell)
				if len(items) == 0 {
					continue
				}
				v = items
			case f.Type == "number":
				n, err := strconv.ParseFloat(cell, 64)
				if err != nil || math.IsInf(n, 0) || math.IsNaN(n) {
					return fmt.Errorf("opendata: row %d: %s: %q is not a number", i+1, f.Name, cell)
				}
				v = n
				if json.Valid([]byte(cell)) {
					v = json.Number(cell) // as written: no change of digits
				}
			}
			if !first {
				bw.WriteString(",")
			}
			first = false
			if err := writeJSONValue(bw, f.Name); err != nil {
				return err
			}
			bw.WriteString(":")
			if err := writeJSONValue(bw, v); err != nil {
				return err
			}
		}
		bw.WriteString("}")
	}
	if len(rows) > 0 {
		bw.WriteString("\n")
	}
	bw.WriteString("]\n")
	return bw.Flush()
}

// writeJSONValue writes v without the HTML escaping of encoding/json's
// default ("&" stays "&" in addresses) and without a newline.
func writeJSONValue(w *bufio.Writer, v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	_, err := w.Write(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
	return err
}
