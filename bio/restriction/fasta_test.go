package restriction

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"testing/iotest"
)

func TestReadFASTA(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		wantID   string
		wantDesc string
		wantSeq  string
		wantErr  string // substring of the error; "" for success
	}{
		{name: "simple", in: ">seq1 a test\nACGT\nACGT\n", wantID: "seq1", wantDesc: "a test", wantSeq: "ACGTACGT"},
		{name: "no final newline", in: ">s\nACG", wantID: "s", wantSeq: "ACG"},
		{name: "CRLF", in: ">s desc\r\nACGT\r\nTT\r\n", wantID: "s", wantDesc: "desc", wantSeq: "ACGTTT"},
		{name: "lowercase", in: ">s\nacgtn\n", wantID: "s", wantSeq: "ACGTN"},
		{name: "U read as T", in: ">s\nACGU\nu\n", wantID: "s", wantSeq: "ACGTT"},
		{name: "IUPAC codes", in: ">s\nRYSWKMBDHVN\nryswkmbdhvn\n", wantID: "s", wantSeq: "RYSWKMBDHVNRYSWKMBDHVN"},
		{name: "blank lines", in: "\n\n>s\n\nAC\n\n  \nGT\n\n", wantID: "s", wantSeq: "ACGT"},
		{name: "trailing spaces", in: ">s \t\nAC  \nGT\t\n", wantID: "s", wantSeq: "ACGT"},
		{name: "tab in header", in: ">s\tdesc  more\nA\n", wantID: "s", wantDesc: "desc  more", wantSeq: "A"},
		{name: "long line", in: ">s\n" + strings.Repeat("ACGT", 100000) + "\n", wantID: "s", wantSeq: strings.Repeat("ACGT", 100000)},

		{name: "empty file", in: "", wantErr: "no FASTA header"},
		{name: "blank file", in: "\n\r\n  \n", wantErr: "no FASTA header"},
		{name: "no header", in: "ACGT\nACGT\n", wantErr: "line 1: sequence before any header"},
		{name: "no header after blank", in: "\nACGT\n", wantErr: "line 2: sequence before any header"},
		{name: "header without id", in: ">  \nACGT\n", wantErr: "line 1: header has no sequence identifier"},
		{name: "bad character", in: ">s\nACGT\nACXT\n", wantErr: `line 3, column 3: character 'X' is not a nucleotide code`},
		{name: "gap", in: ">s\nAC-GT\n", wantErr: `line 2, column 3: character '-'`},
		{name: "inner space", in: ">s\nAC GT\n", wantErr: `line 2, column 3: character ' '`},
		{name: "non-ASCII", in: ">s\nAéC\n", wantErr: `line 2, column 2: character 'é'`},
		{name: "invalid UTF-8", in: ">s\nA\xffC\n", wantErr: `line 2, column 2: byte 0xFF`},
		{name: "two records", in: ">a\nACGT\n\n>b\nACGT\n", wantErr: "expected one sequence, found a second record at line 4"},
		{name: "two headers", in: ">a\n>b\nACGT\n", wantErr: "expected one sequence, found a second record at line 2"},
		{name: "empty sequence", in: ">a desc\n\n", wantErr: `sequence "a" (header at line 1) is empty`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, err := ReadFASTA(strings.NewReader(tt.in), 0)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ReadFASTA error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ReadFASTA: %v", err)
			}
			if rec.ID != tt.wantID || rec.Description != tt.wantDesc || string(rec.Seq) != tt.wantSeq {
				t.Errorf("ReadFASTA = %q %q %.40q, want %q %q %.40q", rec.ID, rec.Description, rec.Seq, tt.wantID, tt.wantDesc, tt.wantSeq)
			}
		})
	}
}

func TestReadFASTAReadError(t *testing.T) {
	boom := errors.New("boom")
	_, err := ReadFASTA(iotest.ErrReader(boom), 0)
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), "line 1") {
		t.Errorf("ReadFASTA error = %v, want boom at line 1", err)
	}
}

// TestReadFASTAOneByteReads feeds the reader one byte at a time, as a slow
// stream would.
func TestReadFASTAOneByteReads(t *testing.T) {
	in := ">s x\r\nacgt\n\nRYN\n"
	rec, err := ReadFASTA(iotest.OneByteReader(strings.NewReader(in)), 4)
	if err != nil || rec.ID != "s" || string(rec.Seq) != "ACGTRYN" {
		t.Errorf("ReadFASTA = %q %q, %v", rec.ID, rec.Seq, err)
	}
}

// refReadFASTA is a plain reading of the format ReadFASTA documents: it
// reports only whether the input is valid and, if so, the record.
func refReadFASTA(in []byte) (id string, seq []byte, ok bool) {
	header := false
	for _, line := range bytes.Split(in, []byte("\n")) {
		line = bytes.TrimRight(line, " \t\r")
		switch {
		case len(line) == 0:
		case line[0] == '>':
			if header {
				return "", nil, false
			}
			f := bytes.Fields(line[1:])
			if len(f) == 0 {
				return "", nil, false
			}
			header, id = true, string(f[0])
		case !header:
			return "", nil, false
		default:
			for _, c := range line {
				if 'a' <= c && c <= 'z' {
					c -= 'a' - 'A'
				}
				if !strings.ContainsRune("ACGTUNRYSWKMBDHV", rune(c)) {
					return "", nil, false
				}
				if c == 'U' {
					c = 'T'
				}
				seq = append(seq, c)
			}
		}
	}
	return id, seq, header && len(seq) > 0
}

func FuzzReadFASTA(f *testing.F) {
	for _, s := range []string{
		">s\nACGT\n", ">s d\r\nacgu\r\n\r\nNRY\n", "", "ACGT", ">\nA", ">a\nA\n>b\nC\n",
		">a\n\n", ">a\nA-C\n", ">a\tb\nA \n", ">a\nA\xc3\xa9\n", "\n>a\nAC\rGT\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		rec, err := ReadFASTA(bytes.NewReader(in), 0)
		wantID, wantSeq, wantOK := refReadFASTA(in)
		if (err == nil) != wantOK {
			t.Fatalf("ReadFASTA(%q) error = %v; the reference says valid = %v", in, err, wantOK)
		}
		if err != nil {
			return
		}
		if rec.ID == "" || len(rec.Seq) == 0 {
			t.Fatalf("ReadFASTA(%q) = id %q, %d bp with no error", in, rec.ID, len(rec.Seq))
		}
		for i, c := range rec.Seq {
			if !strings.ContainsRune(CanonicalCodes, rune(c)) {
				t.Fatalf("ReadFASTA(%q): seq[%d] = %q, not a canonical code", in, i, c)
			}
		}
		if rec.ID != wantID || !bytes.Equal(rec.Seq, wantSeq) {
			t.Fatalf("ReadFASTA(%q) = %q %q, reference %q %q", in, rec.ID, rec.Seq, wantID, wantSeq)
		}
	})
}
