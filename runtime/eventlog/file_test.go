package eventlog_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/celltonomy/celltonomy/runtime/eventlog"
)

func appendGolden(t *testing.T, w *eventlog.Writer, events []goldenEvent) {
	t.Helper()
	for _, g := range events {
		if _, err := w.Append(g.kind, g.time, g.attrs...); err != nil {
			t.Fatal(err)
		}
	}
}

func TestOpenFileResumes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "job.log")
	w, err := eventlog.OpenFile(path, testKey(1), goldenID)
	if err != nil {
		t.Fatal(err)
	}
	appendGolden(t, w, golden[:2])
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Append("exit", 0); err == nil {
		t.Fatal("Append after Close succeeded")
	}

	w, err = eventlog.OpenFile(path, testKey(1), goldenID)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if len(w.Events()) != 2 {
		t.Fatalf("reopened with %d events, want 2", len(w.Events()))
	}
	appendGolden(t, w, golden[2:])
	want := writeGolden(t)
	if w.Head() != want.Head() {
		t.Fatal("the resumed log has another head than the in-memory one")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(data, storedBytes(t, want.Log())) {
		t.Fatal("the file differs from the stored form of the same log")
	}
}

func TestOpenFileTornTail(t *testing.T) {
	full := storedBytes(t, writeGolden(t).Log())
	bodies := recordOffsets(t, full)
	// Every cut inside the last record, and inside the header, is a crash
	// during a write: the log resumes from what was complete.
	cuts := []int{1, len(eventlog.Domain) + 5}
	for n := bodies[2] - 3; n < len(full); n++ {
		cuts = append(cuts, n)
	}
	for _, n := range cuts {
		path := filepath.Join(t.TempDir(), "job.log")
		if err := os.WriteFile(path, full[:n], 0o600); err != nil {
			t.Fatal(err)
		}
		w, err := eventlog.OpenFile(path, testKey(1), goldenID)
		if err != nil {
			t.Fatalf("cut at %d: %v", n, err)
		}
		done := len(w.Events())
		if want := map[bool]int{true: 2, false: 0}[n > bodies[0]]; done != want {
			t.Fatalf("cut at %d: resumed with %d events, want %d", n, done, want)
		}
		appendGolden(t, w, golden[done:])
		w.Close()
		data, _ := os.ReadFile(path)
		if !bytes.Equal(data, full) {
			t.Fatalf("cut at %d: resumed log differs from the uninterrupted one", n)
		}
	}
}

func TestOpenFileRejects(t *testing.T) {
	full := storedBytes(t, writeGolden(t).Log())
	corrupt := bytes.Clone(full)
	corrupt[len(corrupt)-64-1] ^= 1
	tests := []struct {
		name string
		data []byte
		id   []byte
		key  byte
		want error
		msg  string
	}{
		{"other key", full, goldenID, 2, eventlog.ErrInvalidLog, "signed by node key"},
		{"other log ID", full, []byte("order-8/node-a"), 1, eventlog.ErrInvalidLog, "log ID is"},
		{"corrupt event", corrupt, goldenID, 1, eventlog.ErrInvalidLog, "event 2: signature does not verify"},
		{"not a log", []byte("hello, world, this is not an event log at all......................"), goldenID, 1, eventlog.ErrMalformed, "header"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "job.log")
			if err := os.WriteFile(path, tt.data, 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := eventlog.OpenFile(path, testKey(tt.key), tt.id)
			if !errors.Is(err, tt.want) || !bytes.Contains([]byte(err.Error()), []byte(tt.msg)) {
				t.Fatalf("error %v, want %v containing %q", err, tt.want, tt.msg)
			}
			if data, _ := os.ReadFile(path); !bytes.Equal(data, tt.data) {
				t.Fatal("OpenFile changed a file it rejected")
			}
		})
	}
}
