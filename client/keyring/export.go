package keyring

import (
	"bytes"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
)

// ArmorType is the PEM block type of an export.
const ArmorType = "CELL PRIVATE KEY"

// Headers of an export; see the package doc.
const (
	hdrFormat      = "Format"
	hdrAddress     = "Address"
	hdrPublicKey   = "Public-Key"
	hdrUnencrypted = "Unencrypted"
	hdrKDF         = "KDF"
	hdrKDFParams   = "KDF-Params"
	hdrSalt        = "Salt"
	hdrCipher      = "Cipher"
	hdrNonce       = "Nonce"
)

// Export returns the key name as a PEM block of type ArmorType, to be given
// to Import on another machine.
//
// For an encrypted key, passphrase must open it (else the error matches
// ErrWrongPassphrase), and the export holds the private key sealed exactly as
// the key file does, so the same passphrase opens it. For an unencrypted
// development key, a nil passphrase gives an export holding the private key
// in plain text, which anyone who reads it can use; a non-nil one gives an
// export sealed with it. Show tells which kind a key is.
func (k *Keyring) Export(name string, passphrase []byte) ([]byte, error) {
	kf, err := k.load(name)
	if err != nil {
		return nil, err
	}
	seed, err := kf.open(passphrase)
	if err != nil {
		return nil, fmt.Errorf("export key %q: %w", name, err)
	}
	defer clear(seed)
	if kf.box == nil && passphrase != nil {
		if len(passphrase) == 0 {
			return nil, fmt.Errorf("export key %q: passphrase must not be empty (nil exports the key unencrypted)", name)
		}
		kf = newKey(seed)
		if err := kf.seal(passphrase, k.kdf, k.rand); err != nil {
			return nil, fmt.Errorf("export key %q: %w", name, err)
		}
	}
	return kf.armor(), nil
}

// Import adds the key name from data, an export (see Export) or a key file
// of another keyring, whose own name is ignored, and returns its Info.
//
// For an encrypted export, passphrase must open it (else the error matches
// ErrWrongPassphrase) and the key is stored sealed again under the same
// passphrase, with this keyring's scrypt cost and a fresh salt and nonce.
// For an unencrypted export, a nil passphrase stores an unencrypted
// development key and a non-nil one encrypts it. Name rules, options and
// the other errors are those of Add.
func (k *Keyring) Import(name string, data, passphrase []byte, opts ...Option) (Info, error) {
	o := collect(opts)
	if err := k.checkNew(name, passphrase, o); err != nil {
		return Info{}, err
	}
	kf, err := decodeExport(data)
	if err != nil {
		return Info{}, fmt.Errorf("import key %q: %w", name, err)
	}
	seed, err := kf.open(passphrase)
	if err != nil {
		return Info{}, fmt.Errorf("import key %q: %w", name, err)
	}
	defer clear(seed)
	return k.store(name, newKey(seed), passphrase, o)
}

// InspectExport returns the Info of the key in data, an export or a key
// file, without a passphrase and without importing it; Name is empty.
// It returns an error naming the rule when data is neither.
func InspectExport(data []byte) (Info, error) {
	kf, err := decodeExport(data)
	if err != nil {
		return Info{}, err
	}
	info := kf.info()
	info.Name = ""
	return info, nil
}

// decodeExport decodes an export or a key file.
func decodeExport(data []byte) (*keyFile, error) {
	if len(data) > maxFileSize {
		return nil, fmt.Errorf("key export: larger than %d bytes", maxFileSize)
	}
	trimmed := bytes.TrimSpace(data)
	switch {
	case bytes.HasPrefix(trimmed, []byte("-----BEGIN ")):
		return decodeArmor(trimmed)
	case bytes.HasPrefix(trimmed, []byte("{")):
		return decodeFile(trimmed)
	}
	return nil, fmt.Errorf("key export: want a PEM block %q or a key file (JSON)", ArmorType)
}

// armor returns the export of kf.
func (kf *keyFile) armor() []byte {
	b := &pem.Block{Type: ArmorType, Headers: map[string]string{
		hdrFormat:    formatV1,
		hdrAddress:   kf.addr.String(),
		hdrPublicKey: hex.EncodeToString(kf.pub),
	}}
	if x := kf.box; x != nil {
		b.Headers[hdrKDF] = kdfScrypt
		b.Headers[hdrKDFParams] = x.kdf.String()
		b.Headers[hdrSalt] = hex.EncodeToString(x.salt)
		b.Headers[hdrCipher] = cipherName
		b.Headers[hdrNonce] = hex.EncodeToString(x.nonce)
		b.Bytes = x.ciphertext
	} else {
		b.Headers[hdrUnencrypted] = "true"
		b.Bytes = kf.seed
	}
	return pem.EncodeToMemory(b)
}

// String returns the KDF-Params header of s: "n=131072,r=8,p=1".
func (s scryptParams) String() string { return fmt.Sprintf("n=%d,r=%d,p=%d", s.N, s.R, s.P) }

// decodeArmor decodes and checks an export.
func decodeArmor(data []byte) (*keyFile, error) {
	block, rest := pem.Decode(data)
	if block == nil {
		return nil, errors.New("key export: not a valid PEM block")
	}
	if block.Type != ArmorType {
		return nil, fmt.Errorf("key export: PEM type %q: want %q", block.Type, ArmorType)
	}
	if len(bytes.TrimSpace(rest)) != 0 {
		return nil, errors.New("key export: data after the PEM block")
	}
	h := block.Headers
	if h[hdrFormat] != formatV1 {
		return nil, fmt.Errorf("key export: format %q: this version reads only %q", h[hdrFormat], formatV1)
	}
	kf, err := newKeyFile(h[hdrAddress], h[hdrPublicKey])
	if err != nil {
		return nil, fmt.Errorf("key export: %w", err)
	}
	known := []string{hdrFormat, hdrAddress, hdrPublicKey}
	if h[hdrUnencrypted] == "true" {
		known = append(known, hdrUnencrypted)
		err = kf.setSeed(block.Bytes)
	} else {
		known = append(known, hdrKDF, hdrKDFParams, hdrSalt, hdrCipher, hdrNonce)
		err = kf.decodeBox(h, block.Bytes)
	}
	if err != nil {
		return nil, fmt.Errorf("key export: %w", err)
	}
	if len(h) != len(known) {
		return nil, fmt.Errorf("key export: want exactly the headers %v", known)
	}
	return kf, nil
}

// decodeBox sets the sealed seed from the encryption headers of an export.
func (kf *keyFile) decodeBox(h map[string]string, ciphertext []byte) error {
	if v, ok := h[hdrUnencrypted]; ok {
		return fmt.Errorf("header %s %q: want \"true\" or no such header", hdrUnencrypted, v)
	}
	if h[hdrKDF] != kdfScrypt {
		return fmt.Errorf("header %s %q: want %q", hdrKDF, h[hdrKDF], kdfScrypt)
	}
	if h[hdrCipher] != cipherName {
		return fmt.Errorf("header %s %q: want %q", hdrCipher, h[hdrCipher], cipherName)
	}
	var s scryptParams
	text := h[hdrKDFParams]
	if _, err := fmt.Sscanf(text, "n=%d,r=%d,p=%d", &s.N, &s.R, &s.P); err != nil || s.String() != text {
		return fmt.Errorf("header %s %q: want the form \"n=131072,r=8,p=1\"", hdrKDFParams, text)
	}
	b, err := newBox(s, h[hdrSalt], h[hdrNonce], ciphertext)
	if err != nil {
		return err
	}
	kf.box = b
	return nil
}
