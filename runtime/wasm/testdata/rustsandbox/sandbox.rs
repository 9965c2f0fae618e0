//! sandbox: a Rust program (rustc's wasm32-wasi) that reports what the
//! sandbox shows it, for runtime/wasm's foreign_test.go; the modes are those
//! of ../csandbox/sandbox.c.
use std::fs;
use std::io::{Read, Write};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

fn list(path: &str) {
    match fs::read_dir(path) {
        Ok(rd) => {
            let mut names: Vec<String> = rd
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect();
            names.sort();
            println!("ls {}: {}", path, names.join(" "));
        }
        Err(e) => println!("ls {}: {}", path, e),
    }
}

fn try_write(path: &str) {
    match fs::File::create(path) {
        Ok(_) => println!("write {}: ok", path),
        Err(e) => println!("write {}: {}", path, e.kind_str()),
    }
}

trait KindStr {
    fn kind_str(&self) -> String;
}

impl KindStr for std::io::Error {
    fn kind_str(&self) -> String {
        format!("{:?} (os error {})", self.kind(), self.raw_os_error().unwrap_or(0))
    }
}

fn main() {
    let mode = std::env::var("MODE").unwrap_or_default();
    if mode == "loop" {
        let mut x: u64 = 0;
        loop {
            // a volatile write keeps the loop from being optimised away
            x = x.wrapping_add(1);
            unsafe { std::ptr::write_volatile(&mut x, x) };
        }
    }
    if mode == "grow" {
        let mut held: Vec<Vec<u8>> = Vec::new();
        loop {
            held.push(vec![1u8; 1 << 20]);
        }
    }
    let rt = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    println!("realtime {}.{:09}", rt.as_secs(), rt.subsec_nanos());
    let t0 = Instant::now();
    println!("elapsed {:?}", t0.elapsed());
    let mut r = [0u8; 16];
    // std has no public random API in Rust 1.63; HashMap's keys come from
    // WASI random_get, so reading them shows the seeded source.
    let s = std::collections::hash_map::RandomState::new();
    use std::hash::{BuildHasher, Hasher};
    let mut h = s.build_hasher();
    h.write_u8(0);
    r[..8].copy_from_slice(&h.finish().to_le_bytes());
    print!("random ");
    for b in &r[..8] {
        print!("{:02x}", b);
    }
    println!();
    for a in std::env::args() {
        println!("arg {}", a);
    }
    let mut env: Vec<(String, String)> = std::env::vars().collect();
    env.sort();
    for (k, v) in env {
        println!("env {}={}", k, v);
    }
    list("/");
    list("/inputs");
    let mut line = String::new();
    if let Ok(mut f) = fs::File::open("/inputs/in") {
        let _ = f.read_to_string(&mut line);
    }
    print!("input {}", line);
    try_write("/inputs/in");
    try_write("/sandbox.wasm");
    try_write("/new.txt");
    let mut out = fs::File::create("/outputs/a.txt").expect("create /outputs/a.txt");
    out.write_all(b"written by Rust\n").expect("write /outputs/a.txt");
    eprintln!("to stderr");
    std::process::exit(7);
}
