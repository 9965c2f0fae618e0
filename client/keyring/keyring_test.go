package keyring

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/celltonomy/celltonomy/ledger/address"
)

var rewrite = flag.Bool("rewrite", false, "rewrite the golden files in testdata")

// testKDF keeps scrypt cheap in tests; files record their own parameters,
// so keys sealed with it open like any other.
var testKDF = scryptParams{N: 1 << 10, R: 8, P: 1}

// open returns a keyring in a fresh directory, with the cheap KDF.
func open(t *testing.T) *Keyring {
	t.Helper()
	k, err := Open(filepath.Join(t.TempDir(), "keys"))
	if err != nil {
		t.Fatal(err)
	}
	k.kdf = testKDF
	return k
}

// seed returns a fixed 32-byte seed whose bytes are b, b+1, ….
func seed(b byte) []byte {
	s := make([]byte, SeedSize)
	for i := range s {
		s[i] = b + byte(i)
	}
	return s
}

// counter is a deterministic stand-in for crypto/rand: 0, 1, 2, ….
type counter struct{ n byte }

func (c *counter) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = c.n
		c.n++
	}
	return len(p), nil
}

// TestReadingCreatesNothing: a keyring whose directory is missing reads
// as empty and stays missing until the first key is written.
func TestReadingCreatesNothing(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "home", "keys")
	k, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	k.kdf = testKDF
	if infos, err := k.List(); err != nil || len(infos) != 0 {
		t.Errorf("List = %v, %v; want empty", infos, err)
	}
	if _, err := k.Show("alice"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Show = %v; want ErrNotFound", err)
	}
	if _, err := k.PrivateKey("alice", nil); !errors.Is(err, ErrNotFound) {
		t.Errorf("PrivateKey = %v; want ErrNotFound", err)
	}
	if err := k.Delete("alice"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Delete = %v; want ErrNotFound", err)
	}
	if entries, _ := os.ReadDir(parent); len(entries) != 0 {
		t.Fatalf("reading created %v", entries)
	}
	if _, err := k.AddFromSeed("alice", seed(1), nil); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if perm := st.Mode().Perm(); runtime.GOOS != "windows" && perm != 0o700 {
		t.Errorf("the first write made %s with mode %04o, want 0700", dir, perm)
	}
}

func TestAddListShowDelete(t *testing.T) {
	k := open(t)
	if infos, err := k.List(); err != nil || len(infos) != 0 {
		t.Fatalf("empty keyring: List = %v, %v", infos, err)
	}
	bob, err := k.Add("bob", []byte("bob's passphrase"))
	if err != nil {
		t.Fatal(err)
	}
	alice, err := k.Add("alice", nil)
	if err != nil {
		t.Fatal(err)
	}
	// "a-b" sorts after "a" by name even though "a-b.json" sorts before "a.json".
	for _, name := range []string{"a", "a-b"} {
		if _, err := k.AddFromSeed(name, seed(byte(len(name))), nil); err != nil {
			t.Fatal(err)
		}
	}
	if want, _ := address.FromPubKey(bob.PublicKey); bob.Address != want || !bob.Encrypted || bob.Name != "bob" {
		t.Errorf("Add bob = %+v", bob)
	}
	if alice.Encrypted || alice.Address == bob.Address {
		t.Errorf("Add alice (dev) = %+v", alice)
	}

	infos, err := k.List()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, in := range infos {
		names = append(names, in.Name)
	}
	if got := strings.Join(names, " "); got != "a a-b alice bob" {
		t.Errorf("List names = %q, want sorted by name", got)
	}

	got, err := k.Show("bob")
	if err != nil {
		t.Fatal(err)
	}
	if got.Address != bob.Address || !bytes.Equal(got.PublicKey, bob.PublicKey) || !got.Encrypted {
		t.Errorf("Show bob = %+v, want %+v", got, bob)
	}

	if err := k.Delete("bob"); err != nil {
		t.Fatal(err)
	}
	if _, err := k.Show("bob"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Show after Delete: %v, want ErrNotFound", err)
	}
	if err := k.Delete("bob"); !errors.Is(err, ErrNotFound) {
		t.Errorf("second Delete: %v, want ErrNotFound", err)
	}
	if _, err := k.PrivateKey("nobody", nil); !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), `"nobody"`) {
		t.Errorf("PrivateKey of a missing key: %v", err)
	}
}

func TestEncryptedRoundTrip(t *testing.T) {
	k := open(t)
	pass := []byte("correct horse battery staple")
	info, err := k.AddFromSeed("alice", seed(7), pass)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(k.Path("alice"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(data, []byte(hex.EncodeToString(seed(7)))) {
		t.Fatal("the key file of an encrypted key holds the seed in plain text")
	}
	priv, err := k.PrivateKey("alice", pass)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(priv.Seed(), seed(7)) || !bytes.Equal(priv.Public().(ed25519.PublicKey), info.PublicKey) {
		t.Fatal("PrivateKey does not give back the seed it was made from")
	}
	msg := []byte("order 1")
	if !ed25519.Verify(info.PublicKey, msg, ed25519.Sign(priv, msg)) {
		t.Fatal("signature does not verify with the public key of Info")
	}
}

func TestWrongPassphrase(t *testing.T) {
	k := open(t)
	if _, err := k.Add("alice", []byte("right")); err != nil {
		t.Fatal(err)
	}
	for _, pass := range [][]byte{[]byte("wrong"), []byte("Right"), nil} {
		_, err := k.PrivateKey("alice", pass)
		if !errors.Is(err, ErrWrongPassphrase) || !strings.Contains(err.Error(), `"alice"`) {
			t.Errorf("PrivateKey(%q) = %v, want ErrWrongPassphrase naming the key", pass, err)
		}
		if _, err := k.Export("alice", pass); !errors.Is(err, ErrWrongPassphrase) {
			t.Errorf("Export(%q) = %v, want ErrWrongPassphrase", pass, err)
		}
	}
	if _, err := k.Add("empty", []byte{}); err == nil || !strings.Contains(err.Error(), "must not be empty") {
		t.Errorf("Add with an empty passphrase: %v", err)
	}
	// A development key ignores the passphrase.
	if _, err := k.AddFromSeed("dev", seed(1), nil); err != nil {
		t.Fatal(err)
	}
	if priv, err := k.PrivateKey("dev", []byte("anything")); err != nil || !bytes.Equal(priv.Seed(), seed(1)) {
		t.Errorf("PrivateKey of a dev key with a passphrase: %v", err)
	}
}

func TestExportImport(t *testing.T) {
	a, b := open(t), open(t)
	pass := []byte("export me")
	enc, err := a.AddFromSeed("enc", seed(3), pass)
	if err != nil {
		t.Fatal(err)
	}
	dev, err := a.AddFromSeed("dev", seed(4), nil)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("encrypted", func(t *testing.T) {
		armor, err := a.Export("enc", pass)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(armor, []byte("-----BEGIN CELL PRIVATE KEY-----\n")) || bytes.Contains(armor, []byte("Unencrypted")) {
			t.Fatalf("export:\n%s", armor)
		}
		if in, err := InspectExport(armor); err != nil || in.Address != enc.Address || !in.Encrypted {
			t.Fatalf("InspectExport = %+v, %v", in, err)
		}
		if _, err := b.Import("x", armor, []byte("nope")); !errors.Is(err, ErrWrongPassphrase) {
			t.Fatalf("Import with a wrong passphrase: %v", err)
		}
		if _, err := b.Import("x", armor, nil); !errors.Is(err, ErrWrongPassphrase) {
			t.Fatalf("Import of an encrypted export without a passphrase: %v", err)
		}
		if _, err := b.Show("x"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("a failed Import left a key behind: %v", err)
		}
		got, err := b.Import("carol", armor, pass)
		if err != nil {
			t.Fatal(err)
		}
		if got.Name != "carol" || got.Address != enc.Address || !got.Encrypted {
			t.Fatalf("Import = %+v", got)
		}
		priv, err := b.PrivateKey("carol", pass)
		if err != nil || !bytes.Equal(priv.Seed(), seed(3)) {
			t.Fatalf("imported key does not open to the same seed: %v", err)
		}
		if _, err := b.Import("carol", armor, pass); !errors.Is(err, ErrExists) {
			t.Fatalf("Import over an existing key: %v", err)
		}
	})

	t.Run("dev", func(t *testing.T) {
		armor, err := a.Export("dev", nil)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(armor, []byte("Unencrypted: true")) {
			t.Fatalf("plain export has no Unencrypted header:\n%s", armor)
		}
		got, err := b.Import("dev", armor, nil)
		if err != nil || got.Encrypted || got.Address != dev.Address {
			t.Fatalf("Import of a plain export as a dev key = %+v, %v", got, err)
		}
		// A passphrase at import encrypts the key.
		got, err = b.Import("sealed", armor, pass)
		if err != nil || !got.Encrypted {
			t.Fatalf("Import of a plain export with a passphrase = %+v, %v", got, err)
		}
		if priv, err := b.PrivateKey("sealed", pass); err != nil || !bytes.Equal(priv.Seed(), seed(4)) {
			t.Fatalf("PrivateKey of a key encrypted at import: %v", err)
		}
		// A passphrase at export encrypts the export.
		sealed, err := a.Export("dev", pass)
		if err != nil || bytes.Contains(sealed, []byte("Unencrypted")) {
			t.Fatalf("Export of a dev key with a passphrase:\n%s%v", sealed, err)
		}
		if _, err := b.Import("dev2", sealed, []byte("nope")); !errors.Is(err, ErrWrongPassphrase) {
			t.Fatalf("Import with a wrong passphrase: %v", err)
		}
		if got, err := b.Import("dev2", sealed, pass); err != nil || got.Address != dev.Address || !got.Encrypted {
			t.Fatalf("Import of an encrypted export of a dev key = %+v, %v", got, err)
		}
	})

	t.Run("key file", func(t *testing.T) {
		for _, name := range []string{"enc", "dev"} {
			data, err := os.ReadFile(a.Path(name))
			if err != nil {
				t.Fatal(err)
			}
			got, err := b.Import("file-"+name, data, pass)
			if err != nil {
				t.Fatal(err)
			}
			if want, _ := a.Show(name); got.Address != want.Address {
				t.Fatalf("Import of the key file %s: %+v", name, got)
			}
		}
	})
}

func TestNames(t *testing.T) {
	k := open(t)
	for _, name := range []string{"a", "alice", "0", "validator-0", "a.b_c-d", strings.Repeat("z", 64)} {
		if err := ValidateName(name); err != nil {
			t.Errorf("ValidateName(%q) = %v, want nil", name, err)
		}
	}
	for _, name := range []string{"", strings.Repeat("z", 65), "Alice", ".hidden", "-flag", "_x", "a/b", "../x", "a b", "é", "a\x00"} {
		err := ValidateName(name)
		if !errors.Is(err, ErrInvalidName) || !strings.Contains(err.Error(), "1 to 64 characters") {
			t.Errorf("ValidateName(%q) = %v, want ErrInvalidName stating the rule", name, err)
		}
		if _, err := k.Add(name, nil); !errors.Is(err, ErrInvalidName) {
			t.Errorf("Add(%q) = %v", name, err)
		}
		if _, err := k.Show(name); !errors.Is(err, ErrInvalidName) {
			t.Errorf("Show(%q) = %v", name, err)
		}
		if err := k.Delete(name); !errors.Is(err, ErrInvalidName) {
			t.Errorf("Delete(%q) = %v", name, err)
		}
	}
	if _, err := k.AddFromSeed("short", make([]byte, 31), nil); err == nil || !strings.Contains(err.Error(), "32 bytes") {
		t.Errorf("AddFromSeed with a 31-byte seed: %v", err)
	}
}

func TestExistsAndOverwrite(t *testing.T) {
	k := open(t)
	first, err := k.AddFromSeed("alice", seed(1), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := k.AddFromSeed("alice", seed(2), nil); !errors.Is(err, ErrExists) {
		t.Fatalf("second Add: %v, want ErrExists", err)
	}
	if got, _ := k.Show("alice"); got.Address != first.Address {
		t.Fatal("a refused Add changed the key")
	}
	second, err := k.AddFromSeed("alice", seed(2), []byte("pw"), Overwrite())
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := k.Show("alice"); got.Address != second.Address || !got.Encrypted {
		t.Fatal("Add with Overwrite did not replace the key")
	}
	entries, _ := os.ReadDir(k.Dir())
	if len(entries) != 1 {
		t.Fatalf("keyring holds %d files, want 1 (no temporary files left)", len(entries))
	}
}

func TestPermissions(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("file modes are not enforced on Windows")
	}
	k := open(t)
	if _, err := k.Add("alice", nil); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(k.Dir()); st.Mode().Perm() != 0o700 {
		t.Errorf("keyring directory mode %04o, want 0700", st.Mode().Perm())
	}
	if st, _ := os.Stat(k.Path("alice")); st.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %04o, want 0600", st.Mode().Perm())
	}

	if err := os.Chmod(k.Path("alice"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := k.Show("alice"); err == nil || !strings.Contains(err.Error(), "want 0600") {
		t.Errorf("Show of a world-readable key file: %v", err)
	}
	if err := os.Chmod(k.Dir(), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(k.Dir()); err == nil || !strings.Contains(err.Error(), "want 0700") {
		t.Errorf("Open of a world-readable directory: %v", err)
	}
	file := filepath.Join(t.TempDir(), "file")
	os.WriteFile(file, nil, 0o600)
	if _, err := Open(file); err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Errorf("Open of a file: %v", err)
	}
}

func TestDevKeyFileIsPlain(t *testing.T) {
	k := open(t)
	info, err := k.AddFromSeed("dev", seed(9), nil)
	if err != nil {
		t.Fatal(err)
	}
	if info.Encrypted {
		t.Fatal("Info of a dev key says Encrypted")
	}
	data, err := os.ReadFile(k.Path("dev"))
	if err != nil {
		t.Fatal(err)
	}
	var f map[string]any
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatal(err)
	}
	if f["unencrypted"] != true || f["private_key"] != hex.EncodeToString(seed(9)) || f["crypto"] != nil ||
		!strings.Contains(f["warning"].(string), "local development") || f["address"] != info.Address.String() {
		t.Fatalf("dev key file:\n%s", data)
	}
	if got, _ := k.Show("dev"); got.Encrypted {
		t.Fatal("Show of a dev key says Encrypted")
	}
}

// TestGolden pins the bytes of key files and exports: a dev key is fully
// determined by its seed and name, an encrypted one also by its salt and
// nonce (here from a counter). Reading the golden files back checks that
// files written by earlier versions stay readable.
func TestGolden(t *testing.T) {
	k := open(t)
	k.rand = &counter{}
	pass := []byte("golden")
	if _, err := k.AddFromSeed("dev", seed(1), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := k.AddFromSeed("enc", seed(2), pass); err != nil {
		t.Fatal(err)
	}
	devExport, err := k.Export("dev", nil)
	if err != nil {
		t.Fatal(err)
	}
	encExport, err := k.Export("enc", pass)
	if err != nil {
		t.Fatal(err)
	}
	devFile, _ := os.ReadFile(k.Path("dev"))
	encFile, _ := os.ReadFile(k.Path("enc"))
	files := map[string][]byte{"dev.json": devFile, "enc.json": encFile, "dev.pem": devExport, "enc.pem": encExport}
	for name, got := range files {
		path := filepath.Join("testdata", name)
		if *rewrite {
			if err := os.WriteFile(path, got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test -rewrite to create it)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s changed:\n%s\nwant:\n%s", name, got, want)
		}
		kb := open(t)
		in, err := kb.Import("golden", want, pass)
		if err != nil {
			t.Fatalf("import of %s: %v", name, err)
		}
		priv, err := kb.PrivateKey("golden", pass)
		wantSeed := seed(1)
		if strings.HasPrefix(name, "enc") {
			wantSeed = seed(2)
		}
		if err != nil || !bytes.Equal(priv.Seed(), wantSeed) || !in.Encrypted {
			t.Errorf("%s does not open to its seed: %v", name, err)
		}
	}
}

// TestRefusesAlteredKeys feeds altered key files and exports to Import and
// checks each is refused with an error naming the broken rule.
func TestRefusesAlteredKeys(t *testing.T) {
	golden := func(name string) string {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		return string(data)
	}
	other := newKey(seed(100))
	otherPub, otherAddr := hex.EncodeToString(other.pub), other.addr.String()
	devJSON, encJSON, devPEM, encPEM := golden("dev.json"), golden("enc.json"), golden("dev.pem"), golden("enc.pem")
	devPub, encPub := "79b5562e8fe654f94078b112e8a98ba7901f853ae695bed7e0e3910bad049664", "43cdc023d22d5f9e107d1a0693457d35d1d10eb7d21c721192f56f5de40665d3"
	devAddr, encAddr := "cell1vkmqvu7kakyyhuqu9s3zmq4d5p6q72dvn8f363", "cell1j36krcltgweckt2l0shk5a8npwt6z69r5nvzqh"
	swap := func(s, pub, addr, newPub, newAddr string) string {
		return strings.NewReplacer(pub, newPub, addr, newAddr).Replace(s)
	}
	tests := []struct {
		name, data, want string
		wrongPass        bool
	}{
		{name: "not a key", data: "hello", want: "want a PEM block"},
		{name: "public key without its address", data: strings.Replace(devJSON, devPub, otherPub, 1), want: "is not the address of the public key"},
		{name: "seed of another key", data: swap(devJSON, devPub, devAddr, otherPub, otherAddr), want: "private key does not match the public key"},
		{name: "sealed seed moved to another key", data: swap(encJSON, encPub, encAddr, otherPub, otherAddr), wrongPass: true},
		{name: "unknown field", data: strings.Replace(devJSON, `"name"`, `"label": "x", "name"`, 1), want: `unknown field "label"`},
		{name: "newer format", data: strings.Replace(encJSON, "cell-key/1", "cell-key/2", 1), want: `this version reads only "cell-key/1"`},
		{name: "scrypt n too large", data: strings.Replace(encJSON, `"n": 1024`, `"n": 2097152`, 1), want: "power of two from 2 to 2^20"},
		{name: "scrypt n not a power of two", data: strings.Replace(encJSON, `"n": 1024`, `"n": 1000`, 1), want: "power of two"},
		{name: "short nonce", data: strings.Replace(encJSON, `"nonce": "2021`, `"nonce": "`, 1), want: "nonce: must be 48 hex digits"},
		{name: "other cipher", data: strings.Replace(encJSON, "xchacha20-poly1305", "aes-256-gcm", 1), want: `cipher "aes-256-gcm"`},
		{name: "both plain and sealed", data: strings.Replace(encJSON, `"crypto"`, `"unencrypted": true, "crypto"`, 1), want: `"crypto" is present`},
		{name: "plain key not marked", data: strings.Replace(devJSON, `"unencrypted": true,`, "", 1), want: `"unencrypted" is not true`},
		{name: "data after the key file", data: devJSON + "{}", want: "after top-level value"},
		{name: "bad name in file", data: strings.Replace(devJSON, `"name": "dev"`, `"name": "Dev"`, 1), want: "invalid key name"},
		{name: "PEM of another type", data: strings.ReplaceAll(devPEM, "CELL PRIVATE KEY", "PRIVATE KEY"), want: `PEM type "PRIVATE KEY"`},
		{name: "data after the PEM block", data: devPEM + "more", want: "data after the PEM block"},
		{name: "unknown header", data: strings.Replace(encPEM, "KDF: scrypt\n", "KDF: scrypt\nComment: hi\n", 1), want: "want exactly the headers"},
		{name: "encryption headers on a plain export", data: strings.Replace(devPEM, "Unencrypted: true\n", "Unencrypted: true\nKDF: scrypt\n", 1), want: "want exactly the headers"},
		{name: "odd KDF-Params", data: strings.Replace(encPEM, "n=1024,r=8,p=1", "n=1024, r=8,p=1", 1), want: `want the form "n=131072,r=8,p=1"`},
		{name: "plain export of another key", data: swap(devPEM, devPub, devAddr, otherPub, otherAddr), want: "private key does not match the public key"},
		{name: "sealed export moved to another key", data: swap(encPEM, encPub, encAddr, otherPub, otherAddr), wrongPass: true},
	}
	k := open(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := k.Import("x", []byte(tt.data), []byte("golden"))
			switch {
			case tt.wrongPass && !errors.Is(err, ErrWrongPassphrase):
				t.Fatalf("Import = %v, want ErrWrongPassphrase", err)
			case !tt.wrongPass && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("Import = %v, want an error containing %q", err, tt.want)
			}
		})
	}

	// A key file under another key's file name is refused.
	if err := os.MkdirAll(k.Dir(), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(k.Path("alias"), []byte(devJSON), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := k.Show("alias"); err == nil || !strings.Contains(err.Error(), `holds the key named "dev"`) {
		t.Fatalf("Show of a renamed key file: %v", err)
	}
	if _, err := k.List(); err == nil {
		t.Fatal("List with a renamed key file: no error")
	}
}

// FuzzImport checks that no input makes InspectExport or Import panic, and
// that whatever Import accepts, Show then reads back.
func FuzzImport(f *testing.F) {
	for _, name := range []string{"dev.json", "enc.json", "dev.pem", "enc.pem"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	k, err := Open(filepath.Join(f.TempDir(), "keys"))
	if err != nil {
		f.Fatal(err)
	}
	k.kdf = testKDF
	f.Fuzz(func(t *testing.T, data []byte) {
		want, err := InspectExport(data)
		if err != nil {
			return
		}
		got, err := k.Import("fuzz", data, nil, Overwrite())
		if err != nil {
			return // an encrypted export needs its passphrase
		}
		if got.Address != want.Address {
			t.Fatalf("Import gave %s, InspectExport %s", got.Address, want.Address)
		}
		if _, err := k.Show("fuzz"); err != nil {
			t.Fatal(err)
		}
	})
}
