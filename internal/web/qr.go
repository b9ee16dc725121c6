package web

import (
	"fmt"
	"strings"

	qrcode "github.com/skip2/go-qrcode"
)

// qrCode is a QR code drawn as one SVG path, inline in the page: no
// script, no external image.
type qrCode struct {
	Size int
	Path string
}

func newQRCode(content string) (*qrCode, error) {
	q, err := qrcode.New(content, qrcode.Medium)
	if err != nil {
		return nil, err
	}
	bm := q.Bitmap() // includes the quiet zone
	var b strings.Builder
	for y, row := range bm {
		for x, dark := range row {
			if dark {
				fmt.Fprintf(&b, "M%d %dh1v1h-1z", x, y)
			}
		}
	}
	return &qrCode{Size: len(bm), Path: b.String()}, nil
}
