package keyring

import (
	"bytes"
	"crypto/cipher"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"golang.org/x/crypto/chacha20poly1305"
	"golang.org/x/crypto/scrypt"

	"github.com/celltonomy/celltonomy/ledger/address"
)

// Names written into key files and exports; see the package doc.
const (
	formatV1   = "cell-key/1"
	kdfScrypt  = "scrypt"
	cipherName = "xchacha20-poly1305"
	devWarning = "this private key is stored unencrypted; use it only for local development"
)

// Sizes of the sealed private key, in bytes.
const (
	saltSize       = 32
	minSaltSize    = 16
	maxSaltSize    = 64
	keySize        = chacha20poly1305.KeySize
	nonceSize      = chacha20poly1305.NonceSizeX
	ciphertextSize = SeedSize + chacha20poly1305.Overhead
	maxFileSize    = 64 << 10 // no valid key file or export comes near it
)

// scryptParams are the cost parameters of scrypt (RFC 7914).
type scryptParams struct{ N, R, P int }

// defaultKDF is the cost of every key this package seals: 128*N*r bytes =
// 128 MiB of memory. It meets the OWASP minimum for scrypt (N=2^17, r=8,
// p=1).
var defaultKDF = scryptParams{N: 1 << 17, R: 8, P: 1}

// validate bounds what a reader accepts, so that a crafted file cannot make
// it spend unbounded memory or time.
func (s scryptParams) validate() error {
	switch {
	case s.N < 2 || s.N > 1<<20 || s.N&(s.N-1) != 0:
		return fmt.Errorf("scrypt n %d: must be a power of two from 2 to 2^20", s.N)
	case s.R < 1 || s.R > 32:
		return fmt.Errorf("scrypt r %d: must be 1 to 32", s.R)
	case s.P < 1 || s.P > 16:
		return fmt.Errorf("scrypt p %d: must be 1 to 16", s.P)
	case 128*s.N*s.R > 1<<30:
		return fmt.Errorf("scrypt n %d, r %d: need %d MiB, more than the 1024 MiB allowed", s.N, s.R, 128*s.N*s.R>>20)
	}
	return nil
}

// keyFile is a decoded and checked key: from a key file, an export, or a
// new seed. Exactly one of seed and box is set.
type keyFile struct {
	Name string
	pub  ed25519.PublicKey
	addr address.Address
	seed []byte // the plain seed of a development key
	box  *box   // the sealed seed of an encrypted key
}

// box is a seed sealed under a passphrase.
type box struct {
	kdf                     scryptParams
	salt, nonce, ciphertext []byte
}

// newKey returns the unsealed key of a 32-byte seed, which it copies.
func newKey(seed []byte) *keyFile {
	priv := ed25519.NewKeyFromSeed(seed)
	pub := priv.Public().(ed25519.PublicKey)
	clear(priv)
	addr, _ := address.FromPubKey(pub) // 32 bytes: cannot fail
	return &keyFile{pub: pub, addr: addr, seed: bytes.Clone(seed)}
}

func (kf *keyFile) info() Info {
	return Info{Name: kf.Name, Address: kf.addr, PublicKey: bytes.Clone(kf.pub), Encrypted: kf.box != nil}
}

// additionalData binds a sealed seed to the format and the public key.
func (kf *keyFile) additionalData() []byte {
	return append([]byte(formatV1+"\x00"), kf.pub...)
}

// seal encrypts the seed under passphrase with fresh salt and nonce from
// rnd and forgets the plain seed.
func (kf *keyFile) seal(passphrase []byte, kdf scryptParams, rnd io.Reader) error {
	b := &box{kdf: kdf, salt: make([]byte, saltSize), nonce: make([]byte, nonceSize)}
	if _, err := io.ReadFull(rnd, b.salt); err != nil {
		return fmt.Errorf("random salt: %w", err)
	}
	if _, err := io.ReadFull(rnd, b.nonce); err != nil {
		return fmt.Errorf("random nonce: %w", err)
	}
	aead, err := b.aead(passphrase)
	if err != nil {
		return err
	}
	b.ciphertext = aead.Seal(nil, b.nonce, kf.seed, kf.additionalData())
	clear(kf.seed)
	kf.seed, kf.box = nil, b
	return nil
}

// open returns a copy of the seed, unsealing it with passphrase when it is
// sealed, and checks that it gives the key's public key.
func (kf *keyFile) open(passphrase []byte) ([]byte, error) {
	seed := bytes.Clone(kf.seed)
	if kf.box != nil {
		if passphrase == nil {
			return nil, fmt.Errorf("the private key is encrypted and no passphrase was given: %w", ErrWrongPassphrase)
		}
		aead, err := kf.box.aead(passphrase)
		if err != nil {
			return nil, err
		}
		seed, err = aead.Open(nil, kf.box.nonce, kf.box.ciphertext, kf.additionalData())
		if err != nil {
			return nil, fmt.Errorf("the passphrase does not open the private key (or the key was altered): %w", ErrWrongPassphrase)
		}
	}
	priv := ed25519.NewKeyFromSeed(seed)
	defer clear(priv)
	if !bytes.Equal(priv.Public().(ed25519.PublicKey), kf.pub) {
		clear(seed)
		return nil, errors.New("the private key does not match the public key")
	}
	return seed, nil
}

// aead derives the key of passphrase with scrypt and returns the cipher.
func (b *box) aead(passphrase []byte) (cipher.AEAD, error) {
	key, err := scrypt.Key(passphrase, b.salt, b.kdf.N, b.kdf.R, b.kdf.P, keySize)
	if err != nil {
		return nil, fmt.Errorf("scrypt: %w", err)
	}
	defer clear(key)
	return chacha20poly1305.NewX(key)
}

// fileJSON is the JSON form of a key file; see the package doc.
type fileJSON struct {
	Format      string      `json:"format"`
	Name        string      `json:"name,omitempty"`
	Address     string      `json:"address"`
	PublicKey   string      `json:"public_key"`
	Unencrypted bool        `json:"unencrypted,omitempty"`
	Warning     string      `json:"warning,omitempty"`
	PrivateKey  string      `json:"private_key,omitempty"`
	Crypto      *cryptoJSON `json:"crypto,omitempty"`
}

type cryptoJSON struct {
	KDF        string `json:"kdf"`
	N          int    `json:"n"`
	R          int    `json:"r"`
	P          int    `json:"p"`
	Salt       string `json:"salt"`
	Cipher     string `json:"cipher"`
	Nonce      string `json:"nonce"`
	Ciphertext string `json:"ciphertext"`
}

// encode returns the key file bytes of kf.
func (kf *keyFile) encode() ([]byte, error) {
	f := fileJSON{
		Format:    formatV1,
		Name:      kf.Name,
		Address:   kf.addr.String(),
		PublicKey: hex.EncodeToString(kf.pub),
	}
	if b := kf.box; b != nil {
		f.Crypto = &cryptoJSON{
			KDF: kdfScrypt, N: b.kdf.N, R: b.kdf.R, P: b.kdf.P,
			Salt:       hex.EncodeToString(b.salt),
			Cipher:     cipherName,
			Nonce:      hex.EncodeToString(b.nonce),
			Ciphertext: hex.EncodeToString(b.ciphertext),
		}
	} else {
		f.Unencrypted, f.Warning, f.PrivateKey = true, devWarning, hex.EncodeToString(kf.seed)
	}
	data, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(data, '\n'), nil
}

// decodeFile parses and checks a key file. Its name, when present, is
// checked against the naming rule; whether it is the expected one is up to
// the caller.
func decodeFile(data []byte) (*keyFile, error) {
	if len(data) > maxFileSize {
		return nil, fmt.Errorf("key file: larger than %d bytes", maxFileSize)
	}
	var head struct {
		Format string `json:"format"`
	}
	if err := json.Unmarshal(data, &head); err != nil { // also refuses data after the object
		return nil, fmt.Errorf("key file: not JSON: %w", err)
	}
	if head.Format != formatV1 {
		return nil, fmt.Errorf("key file: format %q: this version reads only %q", head.Format, formatV1)
	}
	var f fileJSON
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("key file: %w", err)
	}
	if f.Name != "" {
		if err := ValidateName(f.Name); err != nil {
			return nil, fmt.Errorf("key file: %w", err)
		}
	}
	kf, err := newKeyFile(f.Address, f.PublicKey)
	if err != nil {
		return nil, fmt.Errorf("key file: %w", err)
	}
	kf.Name = f.Name
	switch {
	case f.Unencrypted && f.Crypto != nil:
		return nil, errors.New(`key file: "unencrypted" is true but "crypto" is present`)
	case f.Unencrypted:
		seed, herr := hex.DecodeString(f.PrivateKey)
		if herr != nil {
			return nil, fmt.Errorf("key file: private key: not hex: %w", herr)
		}
		err = kf.setSeed(seed)
	case f.PrivateKey != "":
		return nil, errors.New(`key file: "private_key" is present but "unencrypted" is not true`)
	case f.Crypto == nil:
		return nil, errors.New(`key file: "crypto" is missing`)
	default:
		c := f.Crypto
		if c.KDF != kdfScrypt {
			return nil, fmt.Errorf("key file: kdf %q: want %q", c.KDF, kdfScrypt)
		}
		if c.Cipher != cipherName {
			return nil, fmt.Errorf("key file: cipher %q: want %q", c.Cipher, cipherName)
		}
		ct, herr := hex.DecodeString(c.Ciphertext)
		if herr != nil {
			return nil, fmt.Errorf("key file: ciphertext: not hex: %w", herr)
		}
		kf.box, err = newBox(scryptParams{N: c.N, R: c.R, P: c.P}, c.Salt, c.Nonce, ct)
	}
	if err != nil {
		return nil, fmt.Errorf("key file: %w", err)
	}
	return kf, nil
}

// newKeyFile checks a public key (hex) and its address (bech32).
func newKeyFile(addrText, pubHex string) (*keyFile, error) {
	pub, err := hex.DecodeString(pubHex)
	if err != nil || len(pub) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("public key: must be %d hex digits", 2*ed25519.PublicKeySize)
	}
	addr, err := address.Parse(addrText)
	if err != nil {
		return nil, err
	}
	if want, _ := address.FromPubKey(pub); addr != want {
		return nil, fmt.Errorf("address %s is not the address of the public key (%s)", addr, want)
	}
	return &keyFile{pub: pub, addr: addr}, nil
}

// setSeed sets the plain seed and checks it against the public key.
func (kf *keyFile) setSeed(seed []byte) error {
	if len(seed) != SeedSize {
		return fmt.Errorf("private key: must be %d bytes, got %d", SeedSize, len(seed))
	}
	kf.seed = seed
	s, err := kf.open(nil)
	if err != nil {
		return err
	}
	clear(s)
	return nil
}

// newBox checks the parts of a sealed seed: salt and nonce in hex, the
// ciphertext in bytes.
func newBox(kdf scryptParams, salt, nonce string, ciphertext []byte) (*box, error) {
	if err := kdf.validate(); err != nil {
		return nil, err
	}
	b := &box{kdf: kdf, ciphertext: ciphertext}
	var err error
	if b.salt, err = hex.DecodeString(salt); err != nil || len(b.salt) < minSaltSize || len(b.salt) > maxSaltSize {
		return nil, fmt.Errorf("salt: must be %d to %d bytes in hex", minSaltSize, maxSaltSize)
	}
	if b.nonce, err = hex.DecodeString(nonce); err != nil || len(b.nonce) != nonceSize {
		return nil, fmt.Errorf("nonce: must be %d hex digits", 2*nonceSize)
	}
	if len(ciphertext) != ciphertextSize {
		return nil, fmt.Errorf("ciphertext: must be %d bytes, got %d", ciphertextSize, len(ciphertext))
	}
	return b, nil
}
