package spec

import (
	"crypto/ed25519"
	"crypto/sha256"
	"fmt"

	"google.golang.org/protobuf/proto"

	"github.com/celltonomy/celltonomy/spec/specpb"
)

// FileFormat is the value of PackageFile.format in every .cellpkg file.
const FileFormat = "cellpkg/1"

// FileExt is the file name extension of a package file.
const FileExt = ".cellpkg"

// Package is a spec plus its envelope, as one .cellpkg file carries them.
// Both are kept as the raw bytes they were received as.
type Package struct {
	spec        *Spec
	envelope    *specpb.Envelope
	envelopeRaw []byte
	publicKey   ed25519.PublicKey
	signature   []byte
}

// NewPackage validates raw envelope bytes against a spec and returns the
// unsigned package. Errors are as for ValidateEnvelope, or a *FieldError on
// "envelope" when the bytes do not decode.
func NewPackage(s *Spec, envelopeRaw []byte) (*Package, error) {
	env := &specpb.Envelope{}
	if err := proto.Unmarshal(envelopeRaw, env); err != nil {
		return nil, &FieldError{Field: "envelope", Rule: fmt.Sprintf("not a serialized Envelope: %v", err)}
	}
	if err := ValidateEnvelope(env, s); err != nil {
		return nil, err
	}
	return &Package{spec: s, envelope: env, envelopeRaw: envelopeRaw}, nil
}

// DecodePackage reads the content of a .cellpkg file: it checks the format,
// decodes and validates the spec with lim, the envelope against the spec,
// and the author's signature when there is one. Errors are *FieldError
// values (errors.Is(err, ErrInvalid)).
func DecodePackage(data []byte, lim Limits) (*Package, error) {
	var f specpb.PackageFile
	if err := proto.Unmarshal(data, &f); err != nil || f.GetFormat() != FileFormat {
		return nil, &FieldError{Field: "cellpkg", Rule: fmt.Sprintf("not a package file: format is not %q", FileFormat)}
	}
	s, err := DecodeSpec(f.GetSpec(), lim)
	if err != nil {
		return nil, err
	}
	p, err := NewPackage(s, f.GetEnvelope())
	if err != nil {
		return nil, err
	}
	if len(f.GetAuthorPublicKey()) != 0 || len(f.GetAuthorSignature()) != 0 {
		p.publicKey, p.signature = f.GetAuthorPublicKey(), f.GetAuthorSignature()
		if err := p.Verify(); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// Encode returns the .cellpkg file bytes. They depend only on the spec and
// envelope bytes and the signature, so the same package always encodes to
// the same bytes.
func (p *Package) Encode() []byte {
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(&specpb.PackageFile{
		Format:          FileFormat,
		Spec:            p.spec.Bytes(),
		Envelope:        p.envelopeRaw,
		AuthorPublicKey: p.publicKey,
		AuthorSignature: p.signature,
	})
	if err != nil {
		panic(fmt.Sprintf("spec: marshal PackageFile: %v", err)) // only bytes and strings: cannot fail
	}
	return b
}

// ID returns the package id, the id of its spec.
func (p *Package) ID() ID { return p.spec.ID() }

// Spec returns the package's spec.
func (p *Package) Spec() *Spec { return p.spec }

// Envelope returns the decoded envelope. It must not be modified.
func (p *Package) Envelope() *specpb.Envelope { return p.envelope }

// EnvelopeBytes returns the raw envelope bytes, the bytes the author signs.
func (p *Package) EnvelopeBytes() []byte { return p.envelopeRaw }

// Signed reports whether the package carries an author signature.
func (p *Package) Signed() bool { return len(p.signature) != 0 }

// Signature returns the author's public key and signature over the
// envelope bytes; both are nil for an unsigned package. They must not be
// modified.
func (p *Package) Signature() (publicKey ed25519.PublicKey, signature []byte) {
	return p.publicKey, p.signature
}

// Address returns the account address of an ed25519 public key:
// sha256(pubkey)[:20] (ARCHITECTURE.md: "Keys and addresses").
func Address(pub ed25519.PublicKey) []byte {
	h := sha256.Sum256(pub)
	return h[:AddressSize]
}

// Sign signs the envelope bytes with the author's key. The envelope's
// author field must already be the key's address.
func (p *Package) Sign(priv ed25519.PrivateKey) error {
	pub := priv.Public().(ed25519.PublicKey)
	if string(Address(pub)) != string(p.envelope.GetAuthor()) {
		return &FieldError{Field: "envelope.author", Rule: "must be the address of the signing key"}
	}
	p.publicKey, p.signature = pub, ed25519.Sign(priv, p.envelopeRaw)
	return nil
}

// Verify checks the author signature: the public key's address is the
// envelope's author and the ed25519 signature over the envelope bytes is
// valid. It returns a *FieldError naming the failed rule.
func (p *Package) Verify() error {
	switch {
	case len(p.publicKey) != ed25519.PublicKeySize:
		return &FieldError{Field: "cellpkg.author_public_key", Rule: fmt.Sprintf("must be %d bytes", ed25519.PublicKeySize)}
	case string(Address(p.publicKey)) != string(p.envelope.GetAuthor()):
		return &FieldError{Field: "envelope.author", Rule: "is not the address of the signing key"}
	case !ed25519.Verify(p.publicKey, p.envelopeRaw, p.signature):
		return &FieldError{Field: "cellpkg.author_signature", Rule: "does not verify over the envelope bytes"}
	}
	return nil
}
