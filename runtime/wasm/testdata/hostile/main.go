// Command hostile is a test module for runtime/wasm: it does what the
// environment variable MODE says, from well-behaved ("ok") to hostile (trying
// to escape the sandbox or to exhaust a limit).
//
// Build it with GOOS=wasip1 GOARCH=wasm (internal/wasmbuild does).
package main

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"syscall"
	"time"
)

func main() {
	mode := os.Getenv("MODE")
	switch mode {
	case "ok":
		ok()
	case "readpasswd":
		readPasswd()
	case "writeinputs":
		writeInputs()
	case "links":
		links()
	case "loop":
		loop()
	case "spin":
		fmt.Println("spinning")
		loop()
	case "membomb":
		memBomb()
	case "flood":
		flood()
	case "outflood":
		outFlood()
	case "errflood":
		errFlood()
	case "emptyfiles":
		emptyFiles()
	case "sleep":
		sleep()
	case "rmoutputs":
		rmOutputs()
	case "listing":
		listing()
	case "exit3":
		fmt.Println("exiting with 3")
		os.Exit(3)
	default:
		fmt.Fprintf(os.Stderr, "unknown MODE %q\n", mode)
		os.Exit(100)
	}
}

// ok is the well-behaved run used by the determinism tests: everything it
// prints or writes must be the same on every run with the same seed.
func ok() {
	in, err := os.ReadFile("/inputs/in")
	check(err)
	check(os.WriteFile("/outputs/a.txt", []byte(strings.ToUpper(string(in))), 0o644))
	check(os.MkdirAll("/outputs/sub", 0o755))
	check(os.WriteFile("/outputs/sub/b.txt", []byte(fmt.Sprintf("%d bytes\n", len(in))), 0o644))

	random := make([]byte, 32)
	_, err = rand.Read(random)
	check(err)

	start := time.Now()
	time.Sleep(time.Hour)
	slept := time.Since(start)

	st, err := os.Stat("/outputs/a.txt")
	check(err)

	fmt.Printf("args=%q\n", os.Args)
	fmt.Printf("env=%q\n", os.Environ())
	fmt.Printf("input=%q\n", in)
	fmt.Printf("random=%s\n", hex.EncodeToString(random))
	fmt.Printf("now=%d\n", start.UnixNano())
	fmt.Printf("slept=%v\n", slept)
	fmt.Printf("stat=%s %v %d %d\n", st.Name(), st.Mode(), st.Size(), st.ModTime().UnixNano())
	for _, name := range []string{"/", "/hostile.wasm", "/inputs", "/inputs/in", "/outputs", "/outputs/a.txt", "/outputs/sub"} {
		fmt.Printf("meta %s %s\n", name, meta(name))
	}
	fmt.Printf("root=%v\n", list("/"))
	fmt.Printf("inputs=%v\n", list("/inputs"))
	fmt.Printf("outputs=%v\n", list("/outputs"))
	fmt.Fprintln(os.Stderr, "ok: done")
}

func list(dir string) []string {
	entries, err := os.ReadDir(dir)
	check(err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	return names
}

// rmOutputs tries to remove or move /outputs itself; it exits 0 only if
// every try failed.
func rmOutputs() {
	done := 0
	for _, err := range []error{
		os.Remove("/outputs"),
		os.RemoveAll("/outputs"),
		os.Rename("/outputs", "/outputs/moved"),
		func() error {
			check(os.Mkdir("/outputs/d", 0o755))
			return os.Rename("/outputs/d", "/outputs")
		}(),
		os.Remove("/outputs/."),
	} {
		if err == nil {
			done++
		}
		fmt.Println(err)
	}
	if _, err := os.Stat("/outputs"); err != nil {
		fmt.Println("gone:", err)
		done++
	}
	if done > 0 {
		os.Exit(1)
	}
}

// meta returns what stat says about name, except what WASI cannot carry.
func meta(name string) string {
	st, err := os.Stat(name)
	check(err)
	s := st.Sys().(*syscall.Stat_t)
	return fmt.Sprintf("dev=%d ino=%d nlink=%d size=%d atime=%d mtime=%d ctime=%d dir=%v",
		s.Dev, s.Ino, s.Nlink, s.Size, s.Atime, s.Mtime, s.Ctime, st.IsDir())
}

// listing creates files in /outputs/order in a scrambled order and prints
// the raw (unsorted by Go) directory listings, twice with a rewind between.
func listing() {
	check(os.Mkdir("/outputs/order", 0o755))
	for _, n := range []string{"m", "b", "z", "a", "k", "c", "y", "d"} {
		check(os.WriteFile("/outputs/order/"+n, []byte(n), 0o644))
	}
	for _, dir := range []string{"/", "/inputs", "/outputs", "/outputs/order"} {
		f, err := os.Open(dir)
		check(err)
		first, err := f.Readdirnames(-1)
		check(err)
		_, err = f.Seek(0, io.SeekStart)
		check(err)
		second, err := f.Readdirnames(3) // a partial read after the rewind
		check(err)
		f.Close()
		fmt.Printf("%s: %v then %v\n", dir, first, second)
	}
}

// readPasswd tries to read host files; it exits 0 only if every try failed.
func readPasswd() {
	escaped := 0
	for _, name := range []string{
		"/etc/passwd",
		"../../etc/passwd",
		"/inputs/../../etc/passwd",
		"/outputs/../../etc/passwd",
		"/outputs/../etc/passwd",
		"/proc/self/environ",
	} {
		b, err := os.ReadFile(name)
		if err != nil {
			fmt.Printf("%s: %v\n", name, err)
			continue
		}
		fmt.Printf("%s: READ %d bytes\n", name, len(b))
		escaped++
	}
	if err := os.Chdir("/outputs"); err == nil {
		if b, err := os.ReadFile("../../../etc/passwd"); err == nil {
			fmt.Printf("chdir escape: READ %d bytes\n", len(b))
			escaped++
		}
	}
	if escaped > 0 {
		os.Exit(1)
	}
}

// writeInputs tries to modify /inputs; it exits 0 only if every try failed
// and the input is intact.
func writeInputs() {
	before, err := os.ReadFile("/inputs/in")
	check(err)
	changed := 0
	try := func(what string, err error) {
		if err != nil {
			fmt.Printf("%s: %v\n", what, err)
			return
		}
		fmt.Printf("%s: SUCCEEDED\n", what)
		changed++
	}
	try("create", os.WriteFile("/inputs/new", []byte("x"), 0o644))
	try("create-root", os.WriteFile("/new", []byte("x"), 0o644))
	try("append", appendTo("/inputs/in"))
	try("overwrite", os.WriteFile("/inputs/in", []byte("overwritten"), 0o644))
	try("truncate", os.Truncate("/inputs/in", 0))
	try("remove", os.Remove("/inputs/in"))
	try("rename", os.Rename("/inputs/in", "/inputs/moved"))
	try("mkdir", os.Mkdir("/inputs/dir", 0o755))
	try("chtimes", os.Chtimes("/inputs/in", time.Unix(1, 0), time.Unix(1, 0)))
	after, err := os.ReadFile("/inputs/in")
	check(err)
	if string(after) != string(before) {
		fmt.Println("input changed")
		changed++
	}
	if changed > 0 {
		os.Exit(1)
	}
}

func appendTo(name string) error {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = f.Write([]byte("appended"))
	return err
}

// links tries to create links in /outputs; it exits 0 only if every try
// failed.
func links() {
	check(os.WriteFile("/outputs/f", []byte("f"), 0o644))
	made := 0
	for _, err := range []error{
		os.Symlink("/etc/passwd", "/outputs/sym"),
		os.Symlink("f", "/outputs/sym2"),
		os.Link("/outputs/f", "/outputs/hard"),
		os.Link("/inputs/in", "/outputs/hard2"),
	} {
		if err == nil {
			made++
		}
		fmt.Println(err)
	}
	if made > 0 {
		os.Exit(1)
	}
}

func loop() {
	x := 0
	for i := 0; ; i++ {
		x ^= i
		if x == -1 {
			break
		}
	}
	fmt.Println(x)
}

func memBomb() {
	var keep [][]byte
	for i := 0; ; i++ {
		b := make([]byte, 1<<20)
		for j := 0; j < len(b); j += 4096 { // touch every page
			b[j] = byte(i + j)
		}
		keep = append(keep, b)
		if i%16 == 0 {
			fmt.Fprintf(os.Stderr, "%d MiB\n", i)
		}
	}
}

func flood() {
	line := []byte(strings.Repeat("x", 1023) + "\n")
	for {
		os.Stdout.Write(line)
	}
}

func errFlood() {
	for i := 0; ; i++ {
		fmt.Fprintf(os.Stderr, "line %d\n", i)
	}
}

// emptyFiles creates 10,000 empty files, in 100 directories, and exits 0
// only if all of them were created.
func emptyFiles() {
	for d := range 100 {
		dir := fmt.Sprintf("/outputs/d%02d", d)
		check(os.Mkdir(dir, 0o755))
		for f := range 100 {
			check(os.WriteFile(fmt.Sprintf("%s/f%02d", dir, f), nil, 0o644))
		}
		fmt.Println(dir)
	}
}

func outFlood() {
	f, err := os.Create("/outputs/big")
	check(err)
	chunk := make([]byte, 64<<10)
	for {
		f.Write(chunk)
	}
}

// sleep sleeps for a day of guest time; with the fake clock it returns at once.
func sleep() {
	start := time.Now()
	time.Sleep(24 * time.Hour)
	fmt.Println(time.Since(start) >= 24*time.Hour)
}

func check(err error) {
	if err != nil && !errors.Is(err, io.EOF) {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(99)
	}
}
