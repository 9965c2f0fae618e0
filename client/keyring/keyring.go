package keyring

import (
	"cmp"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"

	"github.com/celltonomy/celltonomy/internal/atomicfile"
	"github.com/celltonomy/celltonomy/ledger/address"
)

// Errors a caller may act on; the errors returned wrap them with the key
// name and the rule. Match them with errors.Is.
var (
	// ErrNotFound: no key of that name is in the keyring.
	ErrNotFound = errors.New("no such key")
	// ErrExists: a key of that name is already in the keyring and the write
	// did not ask to overwrite it.
	ErrExists = errors.New("key already exists")
	// ErrWrongPassphrase: the passphrase does not open the private key (or
	// the sealed key was altered), or none was given for an encrypted key.
	ErrWrongPassphrase = errors.New("wrong passphrase")
	// ErrInvalidName: the key name breaks the naming rule of the package doc.
	ErrInvalidName = errors.New("invalid key name")
)

// MaxNameLen is the longest key name, in bytes (one byte per character, as
// names are ASCII).
const MaxNameLen = 64

// SeedSize is the size of a private key seed in bytes (RFC 8032).
const SeedSize = ed25519.SeedSize

// Dir returns the keyring directory of a cell home: <home>/keys.
func Dir(home string) string { return filepath.Join(home, "keys") }

// Keyring is a directory of key files. The zero Keyring is not usable; call
// Open.
type Keyring struct {
	dir string
	// kdf is the scrypt cost of keys this keyring seals. It is always
	// defaultKDF outside this package's tests, which lower it for speed.
	kdf scryptParams
	// rand is the source of seeds, salts and nonces: crypto/rand.Reader
	// outside this package's tests.
	rand io.Reader
}

// Info describes a key without its private part.
type Info struct {
	// Name is the key's name in the keyring; empty for InspectExport.
	Name string
	// Address is the account address of PublicKey.
	Address address.Address
	// PublicKey is the 32-byte ed25519 public key.
	PublicKey ed25519.PublicKey
	// Encrypted is false for an unencrypted development key.
	Encrypted bool
}

// Option changes how Add, AddFromSeed and Import write a key.
type Option func(*options)

type options struct{ overwrite bool }

// Overwrite lets a write replace an existing key of the same name. The old
// key is lost unless it was exported.
func Overwrite() Option { return func(o *options) { o.overwrite = true } }

// Open returns the keyring in dir. A missing directory is an empty
// keyring: Open creates nothing, and the first key written creates the
// directory with mode 0700, so that reading a keyring never leaves files
// behind. It returns an error when dir is not a directory, or, except on
// Windows, when its mode grants any access to group or others.
func Open(dir string) (*Keyring, error) {
	if err := checkDir(dir); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	return &Keyring{dir: dir, kdf: defaultKDF, rand: rand.Reader}, nil
}

// checkDir returns an error matching fs.ErrNotExist when dir is missing,
// and an error when it is not a directory or others may reach into it.
func checkDir(dir string) error {
	st, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("keyring: %w", err)
	}
	if !st.IsDir() {
		return fmt.Errorf("keyring %s: not a directory", dir)
	}
	if perm := st.Mode().Perm(); runtime.GOOS != "windows" && perm&0o077 != 0 {
		return fmt.Errorf("keyring %s: mode %04o lets other users reach the keys; want 0700 (chmod 700 %s)", dir, perm, dir)
	}
	return nil
}

// Dir returns the keyring's directory.
func (k *Keyring) Dir() string { return k.dir }

// Path returns the file that holds (or would hold) the key name. It does not
// check the name.
func (k *Keyring) Path(name string) string { return filepath.Join(k.dir, name+".json") }

// ValidateName returns an error matching ErrInvalidName when name breaks the
// rule: 1 to 64 characters of a-z, 0-9, '.', '_' and '-', starting with a
// letter or a digit.
func ValidateName(name string) error {
	const rule = "must be 1 to 64 characters of a-z, 0-9, '.', '_' and '-', starting with a letter or digit"
	if name == "" || len(name) > MaxNameLen {
		return fmt.Errorf("%w %q: %s", ErrInvalidName, name, rule)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		alnum := c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
		if !alnum && (i == 0 || c != '.' && c != '_' && c != '-') {
			return fmt.Errorf("%w %q: %s", ErrInvalidName, name, rule)
		}
	}
	return nil
}

// Add creates the key name from 32 bytes of crypto/rand and returns its
// Info. A non-nil passphrase encrypts the private key (it must not be
// empty); a nil passphrase stores an unencrypted development key. It
// returns an error matching ErrInvalidName or ErrExists (unless Overwrite
// is given).
func (k *Keyring) Add(name string, passphrase []byte, opts ...Option) (Info, error) {
	seed := make([]byte, SeedSize)
	defer clear(seed)
	if _, err := io.ReadFull(k.rand, seed); err != nil {
		return Info{}, fmt.Errorf("add key %q: random seed: %w", name, err)
	}
	return k.AddFromSeed(name, seed, passphrase, opts...)
}

// AddFromSeed creates the key name from a 32-byte ed25519 seed (RFC 8032),
// for deterministic development and test keys, and returns its Info. The
// passphrase, options and errors are those of Add; a seed of another length
// is an error.
func (k *Keyring) AddFromSeed(name string, seed, passphrase []byte, opts ...Option) (Info, error) {
	if len(seed) != SeedSize {
		return Info{}, fmt.Errorf("add key %q: seed must be %d bytes, got %d", name, SeedSize, len(seed))
	}
	return k.store(name, newKey(seed), passphrase, collect(opts))
}

func collect(opts []Option) options {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	return o
}

// checkNew checks the name and passphrase of a key about to be written and,
// unless o.overwrite, that the name is free. It runs before the slow key
// derivation; write checks the name again, atomically.
func (k *Keyring) checkNew(name string, passphrase []byte, o options) error {
	if err := ValidateName(name); err != nil {
		return err
	}
	if passphrase != nil && len(passphrase) == 0 {
		return fmt.Errorf("key %q: passphrase must not be empty (nil stores an unencrypted development key)", name)
	}
	if _, err := os.Lstat(k.Path(name)); err == nil && !o.overwrite {
		return fmt.Errorf("key %q in %s: %w", name, k.dir, ErrExists)
	}
	return nil
}

// store seals the plain key kf under passphrase (nil: leaves it plain) and
// writes it as the key name.
func (k *Keyring) store(name string, kf *keyFile, passphrase []byte, o options) (Info, error) {
	if err := k.checkNew(name, passphrase, o); err != nil {
		return Info{}, err
	}
	kf.Name = name
	if passphrase != nil {
		if err := kf.seal(passphrase, k.kdf, k.rand); err != nil {
			return Info{}, fmt.Errorf("key %q: %w", name, err)
		}
	}
	data, err := kf.encode()
	if err != nil {
		return Info{}, err
	}
	if err := k.write(name, data, o.overwrite); err != nil {
		return Info{}, err
	}
	return kf.info(), nil
}

// write puts data into the key file of name, atomically: through a
// temporary file that is linked into place (failing if the name exists) or,
// with overwrite, renamed over it.
func (k *Keyring) write(name string, data []byte, overwrite bool) error {
	// The directory is made by the first write, not by Open; it may have
	// appeared since Open, so its mode is checked again.
	if err := os.MkdirAll(k.dir, 0o700); err != nil {
		return fmt.Errorf("write key %q: %w", name, err)
	}
	if err := checkDir(k.dir); err != nil {
		return fmt.Errorf("write key %q: %w", name, err)
	}
	tmp, err := os.CreateTemp(k.dir, ".tmp-*") // mode 0600; the dot hides it from List
	if err != nil {
		return fmt.Errorf("write key %q: %w", name, err)
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write key %q: %w", name, err)
	}
	path := k.Path(name)
	if overwrite {
		err = os.Rename(tmp.Name(), path)
	} else {
		err = os.Link(tmp.Name(), path)
	}
	switch {
	case errors.Is(err, fs.ErrExist):
		return fmt.Errorf("key %q in %s: %w", name, k.dir, ErrExists)
	case err != nil:
		return fmt.Errorf("write key %q: %w", name, err)
	}
	_ = atomicfile.SyncDir(k.dir) // a failure only weakens durability
	return nil
}

// load reads and checks the key file of name.
func (k *Keyring) load(name string) (*keyFile, error) {
	if err := ValidateName(name); err != nil {
		return nil, err
	}
	path := k.Path(name)
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("key %q in %s: %w", name, k.dir, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("key %q: %w", name, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("key %q: %w", name, err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("key %q: %s is not a regular file", name, path)
	}
	if perm := st.Mode().Perm(); runtime.GOOS != "windows" && perm&0o077 != 0 {
		return nil, fmt.Errorf("key %q: %s has mode %04o, which lets other users read it; want 0600 (chmod 600 %s)", name, path, perm, path)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("key %q: %w", name, err)
	}
	kf, err := decodeFile(data)
	if err != nil {
		return nil, fmt.Errorf("key %q: %s: %w", name, path, err)
	}
	if kf.Name != name {
		return nil, fmt.Errorf("key %q: %s holds the key named %q", name, path, kf.Name)
	}
	return kf, nil
}

// Show returns the Info of the key name, or an error matching ErrNotFound
// or ErrInvalidName. It needs no passphrase.
func (k *Keyring) Show(name string) (Info, error) {
	kf, err := k.load(name)
	if err != nil {
		return Info{}, err
	}
	return kf.info(), nil
}

// List returns the Info of every key, sorted by name; an empty keyring
// gives an empty list. Files whose names are not key file names are
// ignored; a key file that cannot be read is an error.
func (k *Keyring) List() ([]Info, error) {
	entries, err := os.ReadDir(k.dir)
	if errors.Is(err, fs.ErrNotExist) {
		return []Info{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("keyring: %w", err)
	}
	infos := []Info{}
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ".json")
		if !ok || ValidateName(name) != nil {
			continue
		}
		kf, err := k.load(name)
		if err != nil {
			return nil, err
		}
		infos = append(infos, kf.info())
	}
	slices.SortFunc(infos, func(a, b Info) int { return cmp.Compare(a.Name, b.Name) })
	return infos, nil
}

// Delete removes the key name for good. It returns an error matching
// ErrNotFound or ErrInvalidName.
func (k *Keyring) Delete(name string) error {
	if err := ValidateName(name); err != nil {
		return err
	}
	err := os.Remove(k.Path(name))
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("key %q in %s: %w", name, k.dir, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("delete key %q: %w", name, err)
	}
	_ = atomicfile.SyncDir(k.dir)
	return nil
}

// PrivateKey returns the private key name, opening it with passphrase; the
// passphrase of an unencrypted development key is ignored. It returns an
// error matching ErrWrongPassphrase when the passphrase (or its absence)
// does not open the key, and ErrNotFound or ErrInvalidName as Show does.
// The caller should clear the returned key when done with it.
func (k *Keyring) PrivateKey(name string, passphrase []byte) (ed25519.PrivateKey, error) {
	kf, err := k.load(name)
	if err != nil {
		return nil, err
	}
	seed, err := kf.open(passphrase)
	if err != nil {
		return nil, fmt.Errorf("key %q: %w", name, err)
	}
	defer clear(seed)
	return ed25519.NewKeyFromSeed(seed), nil
}
