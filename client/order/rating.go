package order

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"

	"github.com/celltonomy/celltonomy/internal/atomicfile"
)

// savedRating is STATEDIR/ORDER_ID.rating.json: the rating a buyer
// committed to when it closed an order, until it reveals it.
type savedRating struct {
	Order uint64 `json:"order"`
	Stars uint32 `json:"stars"`
	// Salt is the commitment's salt, hex.
	Salt string `json:"salt"`
}

func (b *Buyer) ratingPath(id uint64) string {
	return filepath.Join(b.StateDir, strconv.FormatUint(id, 10)+".rating.json")
}

// saveRating writes the rating of order id durably (internal/atomicfile)
// before the close that commits to it; a no-op without a
// StateDir.
func (b *Buyer) saveRating(id uint64, stars uint32, salt []byte) error {
	if b.StateDir == "" {
		return nil
	}
	if err := os.MkdirAll(b.StateDir, 0o700); err != nil {
		return fmt.Errorf("rating of order %d: %w", id, err)
	}
	data, err := json.Marshal(savedRating{Order: id, Stars: stars, Salt: hex.EncodeToString(salt)})
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(b.ratingPath(id), data, 0o600)
}

// loadRating reads the saved rating of order id; false when there is none.
func (b *Buyer) loadRating(id uint64) (stars uint32, salt []byte, ok bool, err error) {
	if b.StateDir == "" {
		return 0, nil, false, nil
	}
	data, err := os.ReadFile(b.ratingPath(id))
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil, false, nil
	}
	if err != nil {
		return 0, nil, false, err
	}
	var r savedRating
	if err := json.Unmarshal(data, &r); err != nil {
		return 0, nil, false, fmt.Errorf("%s: %w", b.ratingPath(id), err)
	}
	if salt, err = hex.DecodeString(r.Salt); err != nil || r.Order != id {
		return 0, nil, false, fmt.Errorf("%s: not the rating of order %d", b.ratingPath(id), id)
	}
	return r.Stars, salt, true, nil
}

// forgetRating removes the saved rating of order id once revealed.
func (b *Buyer) forgetRating(id uint64) {
	if b.StateDir != "" {
		os.Remove(b.ratingPath(id))
	}
}
