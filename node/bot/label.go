package bot

import (
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"

	qrcode "github.com/skip2/go-qrcode"
)

// The shipping label. Containers a protocol stores are shipped to the
// buyer with a label whose QR code carries the order, the label id and
// the completion code (fabrication.md "Shipment and the completion
// code"): whoever holds the goods can close the order. The label is
// therefore never part of the output root, nor of the event log, which
// names the label id only; the node hands its PNG to the buyer with the
// outputs (nodeapi.Outputs.Label).

// LabelPrefix starts the text of a label's QR code.
const LabelPrefix = "celltonomy-label/1"

// LabelModulePixels is the size, in pixels, of one module (square) of a
// label's QR code.
const LabelModulePixels = 8

// LabelText returns the text a label's QR code carries:
//
//	celltonomy-label/1 ORDER LABEL COMPLETION
//
// space-separated, ORDER the order id in decimal, LABEL the label id and
// COMPLETION the completion code in 64 lowercase hex digits.
func LabelText(orderID uint64, label string, code [32]byte) string {
	return LabelPrefix + " " + strconv.FormatUint(orderID, 10) + " " + label + " " + hex.EncodeToString(code[:])
}

// ParseLabelText is the inverse of LabelText; an error names the part
// that is wrong (a label id of 1 to 64 bytes without spaces or control
// characters, as LabelQR takes).
func ParseLabelText(s string) (orderID uint64, label string, code [32]byte, err error) {
	f := strings.Split(s, " ")
	if len(f) != 4 || f[0] != LabelPrefix {
		return 0, "", code, fmt.Errorf("label: want %q and three fields, got %q", LabelPrefix, s)
	}
	if orderID, err = strconv.ParseUint(f[1], 10, 64); err != nil {
		return 0, "", code, fmt.Errorf("label: order id %q: not a decimal number", f[1])
	}
	b, err := hex.DecodeString(f[3])
	if err != nil || len(b) != len(code) {
		return 0, "", code, fmt.Errorf("label: completion code %q: want 64 hex digits", f[3])
	}
	if err := checkLabelID(f[2]); err != nil {
		return 0, "", code, fmt.Errorf("label: %w", err)
	}
	copy(code[:], b)
	return orderID, f[2], code, nil
}

// checkLabelID refuses a label id that would not survive LabelText: empty,
// over 64 bytes, or with a space or a control character.
func checkLabelID(label string) error {
	if label == "" || len(label) > 64 {
		return fmt.Errorf("label id %q: must be 1 to 64 bytes", label)
	}
	for _, r := range label {
		if r <= ' ' || r == 0x7f {
			return fmt.Errorf("label id %q: must have no space or control character", label)
		}
	}
	return nil
}

// LabelQR returns the QR code of a label (medium error correction, a
// border of four modules), from which LabelPNG renders.
func LabelQR(orderID uint64, label string, code [32]byte) (*qrcode.QRCode, error) {
	if err := checkLabelID(label); err != nil {
		return nil, err
	}
	return qrcode.New(LabelText(orderID, label, code), qrcode.Medium)
}

// LabelPNG renders a label as a PNG image: its QR code (LabelQR), black
// modules on white, LabelModulePixels pixels a module. The same arguments
// give the same bytes.
func LabelPNG(orderID uint64, label string, code [32]byte) ([]byte, error) {
	q, err := LabelQR(orderID, label, code)
	if err != nil {
		return nil, err
	}
	return q.PNG(-LabelModulePixels)
}
