package restriction

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"unicode"
	"unicode/utf8"
)

// A Record is the one record of a FASTA file.
type Record struct {
	ID          string // first word of the header, after '>'
	Description string // rest of the header, white space trimmed
	Seq         []byte // canonical IUPAC codes (see CanonicalCodes); U read as T
}

// ReadFASTA reads a FASTA file that holds exactly one record. It reads line
// by line, so memory is the sequence plus the longest line. sizeHint, in
// bytes, is the size of the input if known (0 if not): the sequence is
// given that capacity up front, as it is never longer than its file, which
// saves growing it as it is read.
//
// The format, strictly:
//   - The first line that is not blank is a header: '>' then an identifier
//     (the text up to the first white space) and an optional description.
//   - Every other non-blank line is sequence: IUPAC nucleotide codes
//     ACGTUN and RYSWKMBDHV in either case. U is read as T.
//   - Lines end in LF or CRLF; spaces and tabs at the end of a line are
//     ignored; blank lines are allowed anywhere.
//
// The errors, each naming the line (counted from 1): no header at all,
// sequence before the header, a header without identifier, a byte that is
// not a nucleotide code (with its column), a second header ("expected one
// sequence, found a second record at line N"), an empty sequence, and the
// errors of r.
func ReadFASTA(r io.Reader, sizeHint int64) (Record, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	var (
		rec        = Record{Seq: make([]byte, 0, max(sizeHint, 0))}
		headerLine int // line of the header; 0 until it is read
		long       []byte
	)
	for lineNo := 1; ; lineNo++ {
		var line []byte
		var err error
		line, long, err = readLine(br, long)
		if err != nil && err != io.EOF {
			return Record{}, fmt.Errorf("line %d: %w", lineNo, err)
		}
		if err == io.EOF && len(line) == 0 {
			break
		}
		line = bytes.TrimRight(line, " \t\r\n")
		switch {
		case len(line) == 0:
			// blank line
		case line[0] == '>':
			if headerLine != 0 {
				return Record{}, fmt.Errorf("expected one sequence, found a second record at line %d (the first header is at line %d)", lineNo, headerLine)
			}
			text := bytes.TrimSpace(line[1:])
			if len(text) == 0 {
				return Record{}, fmt.Errorf("line %d: header has no sequence identifier after '>'", lineNo)
			}
			id, desc := text, []byte(nil)
			if i := bytes.IndexFunc(text, unicode.IsSpace); i >= 0 {
				id, desc = text[:i], bytes.TrimSpace(text[i:])
			}
			headerLine = lineNo
			rec.ID, rec.Description = string(id), string(desc)
		case headerLine == 0:
			return Record{}, fmt.Errorf("line %d: sequence before any header: a FASTA file must start with a '>' header line", lineNo)
		default:
			n := len(rec.Seq)
			rec.Seq = append(rec.Seq, line...)
			for i, c := range line {
				u := canonicalCode[c]
				if u == 0 {
					return Record{}, badCode(lineNo, line, i)
				}
				rec.Seq[n+i] = u
			}
		}
		if err == io.EOF {
			break
		}
	}
	if headerLine == 0 {
		return Record{}, errors.New("no FASTA header: the input has no line starting with '>'")
	}
	if len(rec.Seq) == 0 {
		return Record{}, fmt.Errorf("sequence %q (header at line %d) is empty", rec.ID, headerLine)
	}
	return rec, nil
}

// readLine returns the next line with its line ending, however long. A line
// that fits br's buffer is returned in place; a longer one is gathered in buf,
// which is returned grown for reuse. The line is valid until the next call.
func readLine(br *bufio.Reader, buf []byte) (line, grown []byte, err error) {
	buf = buf[:0]
	for {
		chunk, err := br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			buf = append(buf, chunk...)
			continue
		}
		if len(buf) == 0 {
			return chunk, buf, err
		}
		buf = append(buf, chunk...)
		return buf, buf, err
	}
}

// badCode describes the invalid byte at line[i]: the character when the line
// is valid UTF-8 there, its hexadecimal value otherwise.
func badCode(lineNo int, line []byte, i int) error {
	col := utf8.RuneCount(line[:i]) + 1
	what := fmt.Sprintf("byte 0x%02X", line[i])
	if r, size := utf8.DecodeRune(line[i:]); r != utf8.RuneError || size > 1 {
		what = fmt.Sprintf("character %q", r)
	}
	return fmt.Errorf("line %d, column %d: %s is not a nucleotide code (allowed: ACGTUN and IUPAC codes RYSWKMBDHV, either case)", lineNo, col, what)
}
