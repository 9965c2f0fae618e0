//! digest-rust: the restriction digest of examples/digest, written in Rust
//! (standard library only) for Debian's rustc and its wasm32-wasi target
//! (the sandbox's wasm32-wasip1). Its outputs (fragments.json, the table on
//! stdout, the messages on stderr and the exit codes) are byte for byte
//! those of the Go package for the same input and parameters; the rules are
//! those of bio/restriction, and the enzyme table is generated from it
//! (enzymes.rs). See ../doc.go for the differences that remain.
//!
//! Usage: digest [INPUTS_DIR OUTPUTS_DIR]; the directories default to the
//! sandbox's /inputs and /outputs (the native build for benchmarks passes
//! others).

mod enzymes;

use enzymes::{Enzyme, ENZYMES};
use std::env;
use std::ffi::{CStr, OsString};
use std::fs::File;
use std::io::{self, Read, Write};
use std::os::raw::{c_char, c_int};
use std::process;

/// Bad parameters.
const EXIT_PARAMS: i32 = 2;
/// Bad input.
const EXIT_INPUT: i32 = 3;
/// Failure writing fragments.json or stdout.
const EXIT_OUTPUT: i32 = 4;

// ---- UTF-8 and Go's quoting ------------------------------------------------

/// decode_rune decodes the UTF-8 sequence at the start of s like Go's
/// utf8.DecodeRune: it returns the rune and its size; an invalid sequence
/// gives 0xFFFD with size 1.
fn decode_rune(s: &[u8]) -> (u32, usize) {
    let c = match s.first() {
        None => return (0xFFFD, 1),
        Some(&c) => c as u32,
    };
    if c < 0x80 {
        return (c, 1);
    }
    let (need, mut r, min) = match c {
        0xC2..=0xDF => (1, c & 0x1F, 0x80),
        0xE0..=0xEF => (2, c & 0x0F, 0x800),
        0xF0..=0xF4 => (3, c & 0x07, 0x10000),
        _ => return (0xFFFD, 1),
    };
    if s.len() < need + 1 {
        return (0xFFFD, 1);
    }
    for &b in &s[1..=need] {
        if b & 0xC0 != 0x80 {
            return (0xFFFD, 1);
        }
        r = r << 6 | (b & 0x3F) as u32;
    }
    if r < min || r > 0x10FFFF || (0xD800..=0xDFFF).contains(&r) {
        return (0xFFFD, 1);
    }
    (r, need + 1)
}

/// is_space is Go's unicode.IsSpace.
fn is_space(r: u32) -> bool {
    matches!(
        r,
        0x09..=0x0D | 0x20 | 0x85 | 0xA0 | 0x1680 | 0x2000..=0x200A | 0x2028 | 0x2029 | 0x202F | 0x205F | 0x3000
    )
}

/// is_print approximates Go's strconv.IsPrint as digest-c's is_print does:
/// ASCII exactly; of the other runes, the C1 controls, the soft hyphen, the
/// line and paragraph separators, the format characters of general
/// punctuation and the byte order mark, private use and non-characters are
/// not printable. Runes that Unicode leaves unassigned are taken as
/// printable (Go's tables know them).
fn is_print(r: u32) -> bool {
    if r < 0x80 {
        return (0x20..0x7F).contains(&r);
    }
    !matches!(
        r,
        0..=0xA0
            | 0xAD
            | 0x2000..=0x200F
            | 0x2028..=0x202F
            | 0x205F..=0x206F
            | 0xFEFF
            | 0xFFF9..=0xFFFB
            | 0xFFFE
            | 0xFFFF
            | 0xE000..=0xF8FF
            | 0x1680
            | 0x3000
    )
}

fn put_rune(b: &mut Vec<u8>, r: u32) {
    let c = char::from_u32(r).unwrap_or('\u{FFFD}');
    let mut tmp = [0u8; 4];
    b.extend_from_slice(c.encode_utf8(&mut tmp).as_bytes());
}

/// quote_rune appends r quoted as by strconv's quoteWith, quote being b'"'
/// or b'\''.
fn quote_rune(b: &mut Vec<u8>, r: u32, quote: u8) {
    if r == quote as u32 || r == b'\\' as u32 {
        b.push(b'\\');
        b.push(r as u8);
        return;
    }
    if is_print(r) {
        put_rune(b, r);
        return;
    }
    let esc: &[u8] = match r {
        0x07 => b"\\a",
        0x08 => b"\\b",
        0x0C => b"\\f",
        0x0A => b"\\n",
        0x0D => b"\\r",
        0x09 => b"\\t",
        0x0B => b"\\v",
        _ => b"",
    };
    if !esc.is_empty() {
        b.extend_from_slice(esc);
    } else if r < 0x20 || r == 0x7F {
        b.extend_from_slice(format!("\\x{:02x}", r).as_bytes());
    } else if r < 0x10000 {
        b.extend_from_slice(format!("\\u{:04x}", r).as_bytes());
    } else {
        b.extend_from_slice(format!("\\U{:08x}", r).as_bytes());
    }
}

/// quote appends s as Go's %q of a string (strconv.Quote).
fn quote(b: &mut Vec<u8>, s: &[u8]) {
    b.push(b'"');
    let mut i = 0;
    while i < s.len() {
        let (r, size) = decode_rune(&s[i..]);
        if size == 1 && r == 0xFFFD {
            b.extend_from_slice(format!("\\x{:02x}", s[i]).as_bytes());
        } else {
            quote_rune(b, r, b'"');
        }
        i += size;
    }
    b.push(b'"');
}

/// trim_space trims the white space of Go's strings.TrimSpace around s.
fn trim_space(s: &[u8]) -> &[u8] {
    let mut i = 0;
    let mut j = s.len();
    while i < j {
        let (r, size) = decode_rune(&s[i..j]);
        if !is_space(r) || (r == 0xFFFD && size == 1) {
            break;
        }
        i += size;
    }
    while j > i {
        // the start of the last rune
        let mut k = j - 1;
        while k > i && j - k < 4 && s[k] & 0xC0 == 0x80 {
            k -= 1;
        }
        let (mut r, size) = decode_rune(&s[k..j]);
        if size != j - k {
            k = j - 1;
            r = 0xFFFD;
        }
        if !is_space(r) {
            break;
        }
        j = k;
    }
    &s[i..j]
}

// ---- parameters ------------------------------------------------------------

/// fold maps the rune to the lower-case ASCII letter it folds to under Go's
/// simple case folding (strings.EqualFold), or returns it unchanged: the
/// Kelvin sign folds to k and the long s to s.
fn fold(r: u32) -> u32 {
    match r {
        0x41..=0x5A => r + 32,
        0x212A => b'k' as u32,
        0x17F => b's' as u32,
        _ => r,
    }
}

/// equal_fold is strings.EqualFold for a name of the table (ASCII).
fn equal_fold(s: &[u8], name: &str) -> bool {
    let mut i = 0;
    for &c in name.as_bytes() {
        if i >= s.len() {
            return false;
        }
        let (r, size) = decode_rune(&s[i..]);
        if fold(r) != fold(c as u32) {
            return false;
        }
        i += size;
    }
    i == s.len()
}

fn lookup(s: &[u8]) -> Option<usize> {
    ENZYMES.iter().position(|e| equal_fold(s, e.name))
}

/// edit_distance is the Levenshtein distance between the lower-cased a and
/// b, in bytes.
fn edit_distance(a: &[u8], b: &[u8]) -> usize {
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(!a[i - 1].eq_ignore_ascii_case(&b[j - 1]));
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// unknown_enzyme appends restriction.Closest's suggestion for an unknown
/// name, as examples/digest words it.
fn unknown_enzyme(b: &mut Vec<u8>, s: &[u8]) {
    let mut best = Vec::with_capacity(3);
    'search: for d in 0..=2 {
        for (i, e) in ENZYMES.iter().enumerate() {
            if best.len() == 3 {
                break 'search;
            }
            if edit_distance(s, e.name.as_bytes()) == d {
                best.push(i);
            }
        }
    }
    b.extend_from_slice(b"unknown enzyme ");
    quote(b, s);
    let (intro, names): (&[u8], Vec<usize>) = if best.is_empty() {
        (b" (known: ", (0..ENZYMES.len()).collect())
    } else {
        (b" (closest known: ", best)
    };
    b.extend_from_slice(intro);
    for (k, &i) in names.iter().enumerate() {
        if k > 0 {
            b.extend_from_slice(b", ");
        }
        b.extend_from_slice(ENZYMES[i].name.as_bytes());
    }
    b.push(b')');
}

/// parse_enzymes parses ENZYMES into table indexes (first-given order, no
/// duplicates), or returns the message.
fn parse_enzymes(value: Option<&[u8]>) -> Result<Vec<usize>, Vec<u8>> {
    let value = match value {
        Some(v) if !trim_space(v).is_empty() => v,
        _ => {
            return Err(b"ENZYMES is required: a comma-separated list of enzyme names, e.g. ENZYMES=EcoRI,BamHI".to_vec())
        }
    };
    let mut enzs = Vec::new();
    let mut unknown = Vec::new();
    for (i, field) in value.split(|&c| c == b',').enumerate() {
        let name = trim_space(field);
        if name.is_empty() {
            let mut err = b"ENZYMES ".to_vec();
            quote(&mut err, value);
            err.extend_from_slice(format!(": name {} is empty", i + 1).as_bytes());
            return Err(err);
        }
        match lookup(name) {
            None => {
                if !unknown.is_empty() {
                    unknown.extend_from_slice(b"; ");
                }
                unknown_enzyme(&mut unknown, name);
            }
            Some(e) => {
                if !enzs.contains(&e) {
                    enzs.push(e);
                }
            }
        }
    }
    if !unknown.is_empty() {
        let mut err = b"ENZYMES: ".to_vec();
        err.extend_from_slice(&unknown);
        return Err(err);
    }
    Ok(enzs)
}

/// parse_topology returns false for linear, true for circular, or the
/// message for anything else.
fn parse_topology(value: Option<&[u8]>) -> Result<bool, Vec<u8>> {
    let raw = value.unwrap_or(b"");
    let s = trim_space(raw).to_ascii_lowercase();
    match &s[..] {
        b"" | b"linear" => Ok(false),
        b"circular" => Ok(true),
        _ => {
            let mut err = b"TOPOLOGY ".to_vec();
            quote(&mut err, raw);
            err.extend_from_slice(b": must be linear or circular");
            Err(err)
        }
    }
}

// ---- IUPAC codes -------------------------------------------------------------

const BA: u8 = 1;
const BC: u8 = 2;
const BG: u8 = 4;
const BT: u8 = 8;
/// The IUPAC code of each set of bases (A=1, C=2, G=4, T=8).
const CODE_OF: &[u8; 16] = b"-ACMGRSVTWYHKDBN";
/// The canonical codes a sequence holds.
const CANONICAL_CODES: &[u8] = b"ACGTRYSWKMBDHVN";

/// The lookup tables of the IUPAC codes.
struct Codes {
    /// The canonical code of an input byte (upper case, U read as T), or 0.
    canonical: [u8; 256],
    /// The set of bases of a canonical code.
    base_set: [u8; 256],
}

impl Codes {
    fn new() -> Codes {
        let mut c = Codes { canonical: [0; 256], base_set: [0; 256] };
        for (&from, &to) in b"ACGTUNRYSWKMBDHV".iter().zip(b"ACGTTNRYSWKMBDHV") {
            c.canonical[from as usize] = to;
            c.canonical[from as usize + 32] = to;
        }
        for s in 1..16 {
            c.base_set[CODE_OF[s] as usize] = s as u8;
        }
        c
    }

    fn complement(&self, code: u8) -> u8 {
        let s = self.base_set[code as usize];
        let mut comp = 0;
        if s & BA != 0 {
            comp |= BT;
        }
        if s & BC != 0 {
            comp |= BG;
        }
        if s & BG != 0 {
            comp |= BC;
        }
        if s & BT != 0 {
            comp |= BA;
        }
        CODE_OF[comp as usize]
    }

    /// matches tells whether the genome's code g matches the site's code s.
    fn matches(&self, g: u8, s: u8) -> bool {
        let gs = self.base_set[g as usize];
        gs != 0 && gs & !self.base_set[s as usize] == 0
    }
}

// ---- FASTA -------------------------------------------------------------------

/// The one record of the genome: its sequence is the first len bytes of
/// the text it was read from.
struct Record {
    id: Vec<u8>,
    desc: Vec<u8>,
    len: usize,
}

const ONES: u64 = 0x0101_0101_0101_0101;

/// zero_bytes returns 0x80 in each byte of v that is zero and 0 in the
/// others (exactly). A byte x of a word, cleared of its 0x20 bit, equals 'A'
/// exactly when x is 'A' or 'a'; so four of these tests recognise eight
/// bases in a dozen instructions.
#[inline(always)]
fn zero_bytes(v: u64) -> u64 {
    let m = 0x7F * ONES;
    !(((v & m).wrapping_add(m)) | v | m)
}

fn is_blank(c: u8) -> bool {
    c == b' ' || c == b'\t' || c == b'\r'
}

/// bad_code describes the invalid byte at line[i] as restriction's badCode.
fn bad_code(line_no: usize, line: &[u8], i: usize) -> Vec<u8> {
    // every byte before i is a nucleotide code (ASCII), so the column in
    // runes is i + 1
    let mut err = format!("line {}, column {}: ", line_no, i + 1).into_bytes();
    let (r, size) = decode_rune(&line[i..]);
    if r != 0xFFFD || size > 1 {
        err.extend_from_slice(b"character '");
        quote_rune(&mut err, r, b'\'');
        err.push(b'\'');
    } else {
        err.extend_from_slice(format!("byte 0x{:02X}", line[i]).as_bytes());
    }
    err.extend_from_slice(b" is not a nucleotide code (allowed: ACGTUN and IUPAC codes RYSWKMBDHV, either case)");
    err
}

fn read_u64(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + 8].try_into().unwrap())
}

/// parse_fasta parses data as restriction.ReadFASTA does, writing the
/// sequence over data itself (it is never longer than the text).
fn parse_fasta(data: &mut [u8], codes: &Codes) -> Result<Record, Vec<u8>> {
    let n = data.len();
    let mut rec = Record { id: Vec::new(), desc: Vec::new(), len: 0 };
    let mut header_line = 0;
    let mut seq_len = 0;
    let mut pos = 0;
    let mut line_no = 0;
    while pos < n {
        line_no += 1;
        if header_line != 0 && data[pos] != b'>' {
            // A sequence line (or a blank one), read in one pass with no
            // search for its end first: codes are converted eight at a
            // time, read and written as one 64-bit word, until the first
            // byte that is not a code; the line must end there, after
            // spaces, tabs and a CR at most. The sequence is written at
            // seq_len <= pos, never over bytes not yet read.
            let avail = n - pos;
            let mut k = 0;
            while k + 8 <= avail {
                let w = read_u64(data, pos + k);
                // eight of ACGT or acgt, the usual case, in arithmetic
                // alone; else eight table lookups (digest-c looks up
                // pairs in a 128 KiB table, which a Rust program would
                // allocate and fill at every start)
                let mut u = w & (0xDF * ONES);
                let acgt = zero_bytes(u ^ (b'A' as u64 * ONES))
                    | zero_bytes(u ^ (b'C' as u64 * ONES))
                    | zero_bytes(u ^ (b'G' as u64 * ONES))
                    | zero_bytes(u ^ (b'T' as u64 * ONES));
                if acgt != 0x80 * ONES {
                    let mut conv = w.to_le_bytes();
                    let mut ok = true;
                    for c in &mut conv {
                        *c = codes.canonical[*c as usize];
                        ok &= *c != 0;
                    }
                    if !ok {
                        break;
                    }
                    u = u64::from_le_bytes(conv);
                }
                data[seq_len + k..seq_len + k + 8].copy_from_slice(&u.to_le_bytes());
                k += 8;
            }
            // the word that stopped the loop holds the end of the line: at
            // most seven codes are left
            while k < avail {
                let c = codes.canonical[data[pos + k] as usize];
                if c == 0 {
                    break;
                }
                data[seq_len + k] = c;
                k += 1;
            }
            let line = &data[pos..];
            let mut end = k;
            while end < avail && is_blank(line[end]) {
                end += 1;
            }
            if end < avail && line[end] != b'\n' {
                let mut len = line[end..].iter().position(|&c| c == b'\n').map_or(avail, |p| end + p);
                while len > k && is_blank(line[len - 1]) {
                    len -= 1;
                }
                return Err(bad_code(line_no, &line[..len], k));
            }
            seq_len += k;
            pos += if end < avail { end + 1 } else { avail };
            continue;
        }
        let rest = &data[pos..];
        let nl = rest.iter().position(|&c| c == b'\n');
        let mut line = &rest[..nl.unwrap_or(rest.len())];
        pos += line.len() + usize::from(nl.is_some());
        while let Some((&last, init)) = line.split_last() {
            if is_blank(last) || last == b'\n' {
                line = init;
            } else {
                break;
            }
        }
        if line.is_empty() {
            continue;
        }
        if line[0] == b'>' {
            if header_line != 0 {
                return Err(format!(
                    "expected one sequence, found a second record at line {} (the first header is at line {})",
                    line_no, header_line
                )
                .into_bytes());
            }
            let text = trim_space(&line[1..]);
            if text.is_empty() {
                return Err(format!("line {}: header has no sequence identifier after '>'", line_no).into_bytes());
            }
            let mut i = 0;
            while i < text.len() {
                let (r, size) = decode_rune(&text[i..]);
                if is_space(r) && !(r == 0xFFFD && size == 1) {
                    break;
                }
                i += size;
            }
            rec.id = text[..i].to_vec();
            rec.desc = trim_space(&text[i..]).to_vec();
            header_line = line_no;
            continue;
        }
        if header_line == 0 {
            return Err(format!(
                "line {}: sequence before any header: a FASTA file must start with a '>' header line",
                line_no
            )
            .into_bytes());
        }
    }
    if header_line == 0 {
        return Err(b"no FASTA header: the input has no line starting with '>'".to_vec());
    }
    if seq_len == 0 {
        let mut err = b"sequence ".to_vec();
        quote(&mut err, &rec.id);
        err.extend_from_slice(format!(" (header at line {}) is empty", header_line).as_bytes());
        return Err(err);
    }
    rec.len = seq_len;
    Ok(rec)
}

// ---- the digest ----------------------------------------------------------------

/// One strand's site of one enzyme.
struct Pattern {
    /// Index into the digest's enzyme list.
    enzyme: usize,
    /// Canonical codes on the strand searched.
    site: Vec<u8>,
    /// Top-strand cut, bp from the match's first base.
    offset: i64,
}

/// A Shift-And automaton over up to 64 bits of patterns.
struct Matcher {
    masks: [u64; 256],
    starts: u64,
    ends: u64,
    /// The pattern (index into patterns[first..]) that ends at each bit.
    end_of: [usize; 64],
    first: usize,
    max_len: usize,
}

/// A cut found: the position (bp of top strand before the break) and the
/// enzyme (index into the digest's list).
type Hit = (i64, usize);

fn report(m: &Matcher, pats: &[Pattern], mut ends: u64, i: i64, n: i64, circular: bool, hits: &mut Vec<Hit>) {
    while ends != 0 {
        let j = ends.trailing_zeros() as usize;
        ends &= ends - 1;
        let p = &pats[m.first + m.end_of[j]];
        let start = i - p.site.len() as i64 + 1;
        if start >= n {
            continue;
        }
        let mut c = start + p.offset;
        if circular {
            c = c.rem_euclid(n);
        } else if c <= 0 || c >= n {
            continue;
        }
        hits.push((c, p.enzyme));
    }
}

/// scan is restriction's matcher.scan: Shift-And over the sequence, eight
/// bytes per loop round so that the loop instrumentation of the sandbox
/// counts one iteration per eight bytes; a round with a match is read again
/// byte by byte to report it.
fn scan(m: &Matcher, pats: &[Pattern], seq: &[u8], circular: bool, hits: &mut Vec<Hit>) {
    let n = seq.len() as i64;
    let (starts, ends, masks) = (m.starts, m.ends, &m.masks);
    let mut state = 0u64;
    let mut words = seq.chunks_exact(8);
    let mut i = 0i64;
    for chunk in &mut words {
        let w = u64::from_le_bytes(chunk.try_into().unwrap());
        let mut s = state;
        let mut any = 0;
        for k in 0..8 {
            s = (s << 1 | starts) & masks[(w >> (8 * k)) as u8 as usize];
            any |= s;
        }
        if any & ends != 0 {
            for (k, &c) in chunk.iter().enumerate() {
                state = (state << 1 | starts) & masks[c as usize];
                if state & ends != 0 {
                    report(m, pats, state & ends, i + k as i64, n, circular, hits);
                }
            }
        } else {
            state = s;
        }
        i += 8;
    }
    for &c in words.remainder() {
        state = (state << 1 | starts) & masks[c as usize];
        if state & ends != 0 {
            report(m, pats, state & ends, i, n, circular, hits);
        }
        i += 1;
    }
    if circular {
        for k in n..n + m.max_len as i64 - 1 {
            state = (state << 1 | starts) & masks[seq[(k % n) as usize] as usize];
            if state & ends != 0 {
                report(m, pats, state & ends, k, n, circular, hits);
            }
        }
    }
}

/// The cuts: each position with the enzymes (indexes into the digest's
/// list) cutting there, in position order.
struct Cut {
    position: i64,
    enzymes: Vec<usize>,
}

fn find_cuts(seq: &[u8], enzs: &[usize], circular: bool, codes: &Codes) -> Vec<Cut> {
    let mut pats = Vec::with_capacity(enzs.len() * 2);
    for (i, &ei) in enzs.iter().enumerate() {
        let e: &Enzyme = &ENZYMES[ei];
        let site = e.site.as_bytes();
        let len = site.len() as i64;
        pats.push(Pattern { enzyme: i, site: site.to_vec(), offset: e.top });
        let rc: Vec<u8> = site.iter().rev().map(|&c| codes.complement(c)).collect();
        if rc != site {
            pats.push(Pattern { enzyme: i, site: rc, offset: len - e.bottom });
        }
    }
    let mut matchers: Vec<Matcher> = Vec::new();
    let mut used = 0;
    for (k, p) in pats.iter().enumerate() {
        let len = p.site.len();
        if matchers.is_empty() || used + len > 64 {
            matchers.push(Matcher { masks: [0; 256], starts: 0, ends: 0, end_of: [0; 64], first: k, max_len: 0 });
            used = 0;
        }
        let m = matchers.last_mut().unwrap();
        for (j, &s) in p.site.iter().enumerate() {
            let bit = 1u64 << (used + j);
            for &g in CANONICAL_CODES {
                if codes.matches(g, s) {
                    m.masks[g as usize] |= bit;
                }
            }
        }
        m.starts |= 1 << used;
        m.ends |= 1 << (used + len - 1);
        m.end_of[used + len - 1] = k - m.first;
        m.max_len = m.max_len.max(len);
        used += len;
    }
    let mut hits = Vec::new();
    for m in &matchers {
        scan(m, &pats, seq, circular, &mut hits);
    }
    hits.sort_unstable();

    let mut cuts: Vec<Cut> = Vec::new();
    for (position, enzyme) in hits {
        match cuts.last_mut() {
            Some(c) if c.position == position => {
                if *c.enzymes.last().unwrap() != enzyme {
                    c.enzymes.push(enzyme);
                }
            }
            _ => cuts.push(Cut { position, enzymes: vec![enzyme] }),
        }
    }
    cuts
}

/// A fragment: 1-based inclusive start and end, and length, in bp.
struct Fragment {
    start: i64,
    end: i64,
    length: i64,
}

fn fragments(cuts: &[Cut], length: i64, circular: bool) -> Vec<Fragment> {
    if cuts.is_empty() {
        return vec![Fragment { start: 1, end: length, length }];
    }
    let mut out = Vec::with_capacity(cuts.len() + 1);
    if !circular {
        let mut start = 1;
        for c in cuts {
            out.push(Fragment { start, end: c.position, length: c.position - start + 1 });
            start = c.position + 1;
        }
        out.push(Fragment { start, end: length, length: length - start + 1 });
        return out;
    }
    for (i, c) in cuts.iter().enumerate() {
        let start = c.position + 1;
        let mut end = cuts[(i + 1) % cuts.len()].position;
        if end == 0 {
            end = length;
        }
        let size = if end < start { length - start + 1 + end } else { end - start + 1 };
        out.push(Fragment { start, end, length: size });
    }
    out
}

// ---- output ----------------------------------------------------------------------

/// json_string writes s as Go's encoding/json does with HTML escaping off.
fn json_string(o: &mut Vec<u8>, s: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    o.push(b'"');
    let mut i = 0;
    while i < s.len() {
        let c = s[i];
        if c < 0x80 {
            match c {
                b'"' | b'\\' => o.extend_from_slice(&[b'\\', c]),
                0x08 => o.extend_from_slice(b"\\b"),
                0x0C => o.extend_from_slice(b"\\f"),
                b'\n' => o.extend_from_slice(b"\\n"),
                b'\r' => o.extend_from_slice(b"\\r"),
                b'\t' => o.extend_from_slice(b"\\t"),
                0..=0x1F => o.extend_from_slice(&[b'\\', b'u', b'0', b'0', HEX[(c >> 4) as usize], HEX[(c & 0xF) as usize]]),
                _ => o.push(c),
            }
            i += 1;
            continue;
        }
        let (r, size) = decode_rune(&s[i..]);
        if r == 0xFFFD && size == 1 {
            o.extend_from_slice(b"\\ufffd");
        } else if r == 0x2028 || r == 0x2029 {
            o.extend_from_slice(format!("\\u{:04x}", r).as_bytes());
        } else {
            o.extend_from_slice(&s[i..i + size]);
        }
        i += size;
    }
    o.push(b'"');
}

/// The outputs of one digest.
struct Report<'a> {
    rec: &'a Record,
    enzs: &'a [usize],
    circular: bool,
    cuts: &'a [Cut],
    frags: &'a [Fragment],
}

impl Report<'_> {
    fn topology(&self) -> &'static str {
        if self.circular {
            "circular"
        } else {
            "linear"
        }
    }

    /// write_json writes fragments.json as examples/digest encodes it.
    fn write_json(&self, w: &mut impl Write) -> io::Result<()> {
        let mut o: Vec<u8> = Vec::with_capacity(1 << 16);
        write!(o, "{{\n  \"length\": {},\n  \"enzymes\": [\n", self.rec.len)?;
        for (i, &e) in self.enzs.iter().enumerate() {
            let sep = if i + 1 < self.enzs.len() { ",\n" } else { "\n" };
            write!(o, "    \"{}\"{}", ENZYMES[e].name, sep)?;
        }
        write!(o, "  ],\n  \"topology\": \"{}\",\n  \"sequence\": ", self.topology())?;
        json_string(&mut o, &self.rec.id);
        o.extend_from_slice(if self.cuts.is_empty() { b",\n  \"cuts\": [],\n" } else { b",\n  \"cuts\": [\n" });
        for (k, c) in self.cuts.iter().enumerate() {
            write!(o, "    {{\n      \"position\": {},\n      \"enzymes\": [\n", c.position)?;
            for (j, &e) in c.enzymes.iter().enumerate() {
                let sep = if j + 1 < c.enzymes.len() { ",\n" } else { "\n" };
                write!(o, "        \"{}\"{}", ENZYMES[self.enzs[e]].name, sep)?;
            }
            o.extend_from_slice(if k + 1 < self.cuts.len() { b"      ]\n    },\n" } else { b"      ]\n    }\n  ],\n" });
            flush_full(&mut o, w)?;
        }
        o.extend_from_slice(b"  \"fragments\": [\n");
        for (k, f) in self.frags.iter().enumerate() {
            let sep = if k + 1 < self.frags.len() { "\n    },\n" } else { "\n    }\n" };
            write!(o, "    {{\n      \"start\": {},\n      \"end\": {},\n      \"length\": {}{}", f.start, f.end, f.length, sep)?;
            flush_full(&mut o, w)?;
        }
        o.extend_from_slice(b"  ]\n}\n");
        w.write_all(&o)
    }

    /// write_table writes the table on stdout as examples/digest does.
    fn write_table(&self, w: &mut impl Write) -> io::Result<()> {
        let mut o: Vec<u8> = Vec::with_capacity(1 << 16);
        o.extend_from_slice(b"sequence   ");
        o.extend_from_slice(&self.rec.id);
        if !self.rec.desc.is_empty() {
            o.push(b' ');
            o.extend_from_slice(&self.rec.desc);
        }
        write!(o, "\nlength     {} bp\ntopology   {}\nenzymes    ", self.rec.len, self.topology())?;
        for (i, &e) in self.enzs.iter().enumerate() {
            write!(o, "{}{} {}", if i > 0 { ", " } else { "" }, ENZYMES[e].name, ENZYMES[e].notation)?;
        }
        write!(o, "\ncuts       {}\nfragments  {}\n\n", self.cuts.len(), self.frags.len())?;
        let nw = digits(self.frags.len() as i64);
        let cw = digits(self.rec.len as i64).max(6);
        writeln!(o, "{:>nw$}  {:>cw$}  {:>cw$}  {:>cw$}", "#", "start", "end", "length")?;
        for (k, f) in self.frags.iter().enumerate() {
            writeln!(o, "{:>nw$}  {:>cw$}  {:>cw$}  {:>cw$}", k + 1, f.start, f.end, f.length)?;
            flush_full(&mut o, w)?;
        }
        let mut sizes: Vec<i64> = self.frags.iter().map(|f| f.length).collect();
        sizes.sort_unstable_by(|a, b| b.cmp(a));
        o.extend_from_slice(b"\nsizes, largest first (bp):\n  ");
        let mut line = 0;
        for s in sizes {
            let width = digits(s);
            if line != 0 && line + 1 + width > 72 {
                o.extend_from_slice(b"\n  ");
                line = 0;
            }
            if line != 0 {
                o.push(b' ');
                line += 1;
            }
            write!(o, "{}", s)?;
            line += width;
            flush_full(&mut o, w)?;
        }
        o.push(b'\n');
        w.write_all(&o)
    }
}

/// flush_full writes o's first 64 KiB to w once it holds that much, so
/// that writes come in whole blocks, as digest-c's do.
fn flush_full(o: &mut Vec<u8>, w: &mut impl Write) -> io::Result<()> {
    const BLOCK: usize = 1 << 16;
    if o.len() >= BLOCK {
        w.write_all(&o[..BLOCK])?;
        o.drain(..BLOCK);
    }
    Ok(())
}

fn digits(mut v: i64) -> usize {
    let mut d = 1;
    while v >= 10 {
        v /= 10;
        d += 1;
    }
    d
}

// ---- main ---------------------------------------------------------------------------

extern "C" {
    fn strerror(errnum: c_int) -> *const c_char;
}

/// errno_text is the text of the error as Go's syscall package on wasip1
/// gives it, which is musl's (and wasi-libc's) strerror; an error without
/// an errno gives its own text.
fn errno_text(e: &io::Error) -> String {
    match e.raw_os_error() {
        // SAFETY: strerror returns a pointer to a static, NUL-terminated
        // string for any errno, and this program has one thread.
        Some(n) => unsafe { CStr::from_ptr(strerror(n)) }.to_string_lossy().into_owned(),
        None => e.to_string(),
    }
}

#[cfg(target_os = "wasi")]
fn os_bytes(s: &OsString) -> &[u8] {
    use std::os::wasi::ffi::OsStrExt;
    s.as_bytes()
}

#[cfg(unix)]
fn os_bytes(s: &OsString) -> &[u8] {
    use std::os::unix::ffi::OsStrExt;
    s.as_bytes()
}

/// read_genome reads the whole file at path; the error is the message.
fn read_genome(path: &str) -> Result<Vec<u8>, Vec<u8>> {
    let mut f = File::open(path).map_err(|e| format!("input \"genome\": open {}: {}", path, errno_text(&e)).into_bytes())?;
    let size = f.metadata().ok().filter(|m| m.is_file()).map_or(1 << 16, |m| m.len() as usize + 1);
    let mut data = Vec::with_capacity(size);
    f.read_to_end(&mut data).map_err(|e| {
        format!("input \"genome\" ({}): line 1: read {}: {}", path, path, errno_text(&e)).into_bytes()
    })?;
    Ok(data)
}

/// run is the whole program; it returns the exit code and message of a
/// failure.
fn run(inputs: &str, outputs: &str) -> Result<(), (i32, Vec<u8>)> {
    let codes = Codes::new();
    let enzymes = env::var_os("ENZYMES");
    let topology = env::var_os("TOPOLOGY");
    let enzs = parse_enzymes(enzymes.as_ref().map(os_bytes)).map_err(|e| (EXIT_PARAMS, e))?;
    let circular = parse_topology(topology.as_ref().map(os_bytes)).map_err(|e| (EXIT_PARAMS, e))?;

    let path = format!("{}/genome", inputs);
    let mut data = read_genome(&path).map_err(|e| (EXIT_INPUT, e))?;
    let rec = parse_fasta(&mut data, &codes).map_err(|e| {
        let mut msg = format!("input \"genome\" ({}): ", path).into_bytes();
        msg.extend_from_slice(&e);
        (EXIT_INPUT, msg)
    })?;
    let seq = &data[..rec.len];

    let cuts = find_cuts(seq, &enzs, circular, &codes);
    let frags = fragments(&cuts, rec.len as i64, circular);
    let rep = Report { rec: &rec, enzs: &enzs, circular, cuts: &cuts, frags: &frags };

    let out_path = format!("{}/fragments.json", outputs);
    let mut file = File::create(&out_path)
        .map_err(|e| (EXIT_OUTPUT, format!("write output: open {}: {}", out_path, errno_text(&e)).into_bytes()))?;
    rep.write_json(&mut file)
        .and_then(|_| file.flush())
        .map_err(|e| (EXIT_OUTPUT, format!("write output: write {}: {}", out_path, errno_text(&e)).into_bytes()))?;
    drop(file);

    let stdout = io::stdout();
    let mut lock = stdout.lock();
    rep.write_table(&mut lock).and_then(|_| lock.flush()).map_err(|e| {
        (EXIT_OUTPUT, format!("write table to stdout: write /dev/stdout: {}", errno_text(&e)).into_bytes())
    })?;
    Ok(())
}

fn main() {
    let args: Vec<String> = env::args().collect();
    let (inputs, outputs) = if args.len() > 2 { (args[1].as_str(), args[2].as_str()) } else { ("/inputs", "/outputs") };
    if let Err((code, msg)) = run(inputs, outputs) {
        let mut b = b"digest: ".to_vec();
        b.extend_from_slice(&msg);
        b.push(b'\n');
        let _ = io::stderr().write_all(&b);
        process::exit(code);
    }
}
