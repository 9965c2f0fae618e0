//! gc-rust: the GC content of one DNA sequence, a Celltonomy example package
//! written in Rust and built by Debian's rustc for wasm32-wasi (the sandbox's
//! wasm32-wasip1). See ../doc.go for the package's contract.
//!
//! Usage: gc [INPUTS_DIR OUTPUTS_DIR]; the directories default to the
//! sandbox's /inputs and /outputs.

use std::env;
use std::fmt::Write as _;
use std::fs;
use std::io::{self, Write};
use std::process;

const EXIT_PARAMS: i32 = 2;
const EXIT_INPUT: i32 = 3;
const EXIT_OUTPUT: i32 = 4;

/// The largest WINDOW, in bp.
const MAX_WINDOW: u64 = 1 << 30;

struct Record {
    id: String,
    seq: Vec<u8>,
}

/// Base counts of a stretch of sequence.
#[derive(Default, Clone, Copy)]
struct Counts {
    a: u64,
    c: u64,
    g: u64,
    t: u64,
    other: u64,
}

impl Counts {
    fn add(&mut self, code: u8) {
        match code {
            b'A' => self.a += 1,
            b'C' => self.c += 1,
            b'G' => self.g += 1,
            b'T' => self.t += 1,
            _ => self.other += 1,
        }
    }
    fn total(&self) -> u64 {
        self.a + self.c + self.g + self.t + self.other
    }
    /// GC content in per mille of the bases counted, rounded down; 0 for none.
    fn gc_permille(&self) -> u64 {
        match self.total() {
            0 => 0,
            n => (self.g + self.c) * 1000 / n,
        }
    }
}

/// canonical maps an input byte to its canonical IUPAC code (upper case, U
/// read as T), or 0 when it is not a nucleotide code.
fn canonical(b: u8) -> u8 {
    match b.to_ascii_uppercase() {
        b'U' => b'T',
        c @ (b'A' | b'C' | b'G' | b'T' | b'N' | b'R' | b'Y' | b'S' | b'W' | b'K' | b'M' | b'B'
        | b'D' | b'H' | b'V') => c,
        _ => 0,
    }
}

/// parse_fasta reads exactly one FASTA record: a '>' header line (the
/// identifier is its first word), then sequence lines of IUPAC codes in
/// either case; LF or CRLF; trailing spaces and tabs ignored; blank lines
/// allowed. Errors name the line (and column for a bad character).
fn parse_fasta(data: &[u8]) -> Result<Record, String> {
    let mut id: Option<String> = None;
    let mut header_line = 0;
    let mut seq = Vec::with_capacity(data.len());
    for (i, raw) in data.split(|&b| b == b'\n').enumerate() {
        let line_no = i + 1;
        let mut line = raw;
        while let Some((&last, rest)) = line.split_last() {
            if last == b' ' || last == b'\t' || last == b'\r' {
                line = rest;
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
                ));
            }
            let text = String::from_utf8_lossy(&line[1..]);
            let word = text.split_whitespace().next().unwrap_or("");
            if word.is_empty() {
                return Err(format!("line {}: header has no sequence identifier after '>'", line_no));
            }
            id = Some(word.to_string());
            header_line = line_no;
            continue;
        }
        if header_line == 0 {
            return Err(format!(
                "line {}: sequence before any header: a FASTA file must start with a '>' header line",
                line_no
            ));
        }
        for (col, &b) in line.iter().enumerate() {
            match canonical(b) {
                0 => {
                    return Err(format!(
                        "line {}, column {}: byte 0x{:02X} is not a nucleotide code (allowed: ACGTUN and IUPAC codes RYSWKMBDHV, either case)",
                        line_no,
                        col + 1,
                        b
                    ))
                }
                c => seq.push(c),
            }
        }
    }
    let id = id.ok_or_else(|| "no FASTA header: the input has no line starting with '>'".to_string())?;
    if seq.is_empty() {
        return Err(format!("sequence {:?} (header at line {}) is empty", id, header_line));
    }
    Ok(Record { id, seq })
}

/// parse_window reads WINDOW: empty for none, else a whole number of bp in
/// 1..=MAX_WINDOW.
fn parse_window(value: &str) -> Result<u64, String> {
    let v = value.trim();
    if v.is_empty() {
        return Ok(0);
    }
    match v.parse::<u64>() {
        Ok(n) if n >= 1 && n <= MAX_WINDOW => Ok(n),
        _ => Err(format!(
            "WINDOW {:?}: must be a whole number of bp from 1 to {}",
            value, MAX_WINDOW
        )),
    }
}

/// json_string writes s as a JSON string (s is ASCII-safe or lossy UTF-8).
fn json_string(out: &mut String, s: &str) {
    out.push('"');
    for ch in s.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn run(inputs: &str, outputs: &str) -> Result<(), (i32, String)> {
    let window = parse_window(&env::var("WINDOW").unwrap_or_default()).map_err(|e| (EXIT_PARAMS, e))?;
    let path = format!("{}/genome", inputs);
    let data = fs::read(&path).map_err(|e| (EXIT_INPUT, format!("input \"genome\": open {}: {}", path, e)))?;
    let rec = parse_fasta(&data).map_err(|e| (EXIT_INPUT, format!("input \"genome\" ({}): {}", path, e)))?;
    drop(data);

    let mut total = Counts::default();
    for &c in &rec.seq {
        total.add(c);
    }
    let mut json = String::new();
    json.push_str("{\n  \"sequence\": ");
    json_string(&mut json, &rec.id);
    let _ = write!(
        json,
        ",\n  \"length\": {},\n  \"counts\": {{\"A\": {}, \"C\": {}, \"G\": {}, \"T\": {}, \"other\": {}}},\n  \"gc_permille\": {},\n  \"windows\": [",
        rec.seq.len(),
        total.a,
        total.c,
        total.g,
        total.t,
        total.other,
        total.gc_permille()
    );
    let mut table = String::new();
    let _ = writeln!(table, "sequence   {}", rec.id);
    let _ = writeln!(table, "length     {} bp", rec.seq.len());
    let _ = writeln!(table, "GC         {}.{} %", total.gc_permille() / 10, total.gc_permille() % 10);
    if window > 0 {
        let _ = writeln!(table, "window     {} bp", window);
        for (i, chunk) in rec.seq.chunks(window as usize).enumerate() {
            let mut c = Counts::default();
            for &b in chunk {
                c.add(b);
            }
            let start = i as u64 * window + 1;
            let end = start + chunk.len() as u64 - 1;
            let _ = write!(
                json,
                "{}\n    {{\"start\": {}, \"end\": {}, \"gc_permille\": {}}}",
                if i == 0 { "" } else { "," },
                start,
                end,
                c.gc_permille()
            );
            let _ = writeln!(table, "{:>10} {:>10} {:>5}", start, end, c.gc_permille());
        }
        json.push_str("\n  ");
    }
    json.push_str("]\n}\n");

    let out_path = format!("{}/gc.json", outputs);
    fs::write(&out_path, json.as_bytes())
        .map_err(|e| (EXIT_OUTPUT, format!("write output: {}: {}", out_path, e)))?;
    let stdout = io::stdout();
    let mut lock = stdout.lock();
    lock.write_all(table.as_bytes())
        .and_then(|_| lock.flush())
        .map_err(|e| (EXIT_OUTPUT, format!("write table to stdout: {}", e)))?;
    Ok(())
}

fn main() {
    let args: Vec<String> = env::args().collect();
    let (inputs, outputs) = if args.len() > 2 {
        (args[1].as_str(), args[2].as_str())
    } else {
        ("/inputs", "/outputs")
    };
    if let Err((code, msg)) = run(inputs, outputs) {
        eprintln!("gc: {}", msg);
        process::exit(code);
    }
}
