package devnet

import (
	"bytes"
	"crypto/sha256"
	"io"
	"time"

	"github.com/celltonomy/celltonomy/client/follow"
)

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }

func sha256Sum(b []byte) [32]byte { return sha256.Sum256(b) }

// followConfig polls often: the devnet's blocks are fast and its nodes
// should see every block at once.
func followConfig() follow.Config {
	return follow.NewConfig().WithPollInterval(200*time.Millisecond).WithBackoff(50*time.Millisecond, 2*time.Second)
}
