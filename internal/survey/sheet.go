package survey

import (
	"encoding/csv"
	"io"
	"strconv"

	"github.com/xuri/excelize/v2"
)

// SheetWriter writes a table, row by row, as a CSV file that French
// spreadsheets open directly (BOM, ';', decimal commas, formulas defused)
// or as an XLSX workbook of one sheet with a frozen header. Cells are
// strings, ints, float64 or nil (empty).
type SheetWriter interface {
	Write(row []any) error
	// Close finishes the file; Abort releases it after an error.
	Close() error
	Abort()
}

// NewSheetWriter starts a table with its header in format (FormatCSV or
// FormatXLSX); sheet names the XLSX sheet.
func NewSheetWriter(w io.Writer, format, sheet string, head []string) (SheetWriter, error) {
	if format == FormatXLSX {
		x, err := newXLSX()
		if err != nil {
			return nil, err
		}
		sw, err := x.sheet(sheet, true, head)
		if err != nil {
			x.f.Close()
			return nil, err
		}
		return &sheetXLSX{x: x, sw: sw, w: w, row: 2}, nil
	}
	c, err := newCSV(w)
	if err != nil {
		return nil, err
	}
	if err := c.Write(head); err != nil {
		return nil, err
	}
	return &sheetCSV{c: c}, nil
}

type sheetCSV struct{ c *csv.Writer }

func (s *sheetCSV) Write(row []any) error {
	rec := make([]string, len(row))
	for i, v := range row {
		switch v := v.(type) {
		case nil:
		case string:
			rec[i] = cellText(v)
		case int:
			rec[i] = strconv.Itoa(v)
		case float64:
			rec[i] = decimal(v, 4)
		}
	}
	return s.c.Write(rec)
}

func (s *sheetCSV) Close() error { s.c.Flush(); return s.c.Error() }
func (s *sheetCSV) Abort()       {}

type sheetXLSX struct {
	x   *xlsx
	sw  *excelize.StreamWriter
	w   io.Writer
	row int
}

func (s *sheetXLSX) Write(row []any) error {
	cells := make([]any, len(row))
	for i, v := range row {
		switch v := v.(type) {
		case string:
			cells[i] = excelize.Cell{StyleID: s.x.txt, Value: v}
		case float64:
			cells[i] = excelize.Cell{StyleID: s.x.num, Value: v}
		default:
			cells[i] = v
		}
	}
	cell, err := excelize.CoordinatesToCellName(1, s.row)
	if err != nil {
		return err
	}
	s.row++
	return s.sw.SetRow(cell, cells)
}

func (s *sheetXLSX) Abort() { s.x.f.Close() }

func (s *sheetXLSX) Close() error {
	if err := s.sw.Flush(); err != nil {
		s.x.f.Close()
		return err
	}
	return s.x.finish(s.w)
}
