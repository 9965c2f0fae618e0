package devnet

import (
	"io"

	"gopkg.in/natefinch/lumberjack.v2"
)

// Log rotation of HOME/devnet.log (OpenLog): the log is at most
// LogMaxMB megabytes; when a write would pass that, the file is renamed
// with a timestamp (devnet-2006-01-02T15-04-05.000.log), gzipped in the
// background, and a new devnet.log starts; at most LogBackups old files
// are kept. A devnet's logs therefore take at most about
// LogMaxMB × (1 + LogBackups / 10) MB (text compresses about tenfold).
const (
	LogMaxMB   = 20
	LogBackups = 3
)

// OpenLog opens the log file at path for appending, rotated by size:
// maxMB megabytes a file (at least 1), backups old files kept (gzipped).
// Close it when done. The file is created on the first write, with mode
// 0600.
func OpenLog(path string, maxMB, backups int) io.WriteCloser {
	return &lumberjack.Logger{Filename: path, MaxSize: max(maxMB, 1), MaxBackups: backups, Compress: true}
}
