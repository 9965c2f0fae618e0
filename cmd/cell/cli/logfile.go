package cli

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/celltonomy/celltonomy/devnet"
)

// logFlags are the log destination flags of the long-running commands
// (cell start, cell node start, cell miner start): stderr by default, or a
// file rotated by size (devnet.OpenLog, as the devnet's own log).
type logFlags struct {
	file    string
	maxMB   int
	backups int
}

// Defaults of logFlags: 100 MB a file, 5 old files (gzipped, about a
// tenth of their size): about 150 MB of logs at most.
const (
	defaultLogMaxMB   = 100
	defaultLogBackups = 5
)

func (f *logFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.file, "log-file", "", "write the logs to FILE, rotated by size, instead of stderr")
	fl.IntVar(&f.maxMB, "log-max-mb", defaultLogMaxMB, "size of --log-file at which it is rotated, in MB (at least 1)")
	fl.IntVar(&f.backups, "log-backups", defaultLogBackups, "rotated --log-file files kept, gzipped (0: all)")
}

// open returns the log destination: stderr, or --log-file. The caller
// closes it once the command is done. Errors: bad --log-max-mb or
// --log-backups.
func (f *logFlags) open(stderr io.Writer) (io.WriteCloser, error) {
	if f.maxMB < 1 {
		return nil, &usageError{fmt.Errorf("--log-max-mb %d: must be at least 1", f.maxMB)}
	}
	if f.backups < 0 {
		return nil, &usageError{fmt.Errorf("--log-backups %d: must be 0 (keep all) or positive", f.backups)}
	}
	if f.file == "" {
		return nopCloser{stderr}, nil
	}
	return devnet.OpenLog(f.file, f.maxMB, f.backups), nil
}

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }
