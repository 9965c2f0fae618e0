// Package tx decodes, checks and signs ledger transactions.
//
// A transaction on the wire is a serialized ledgerpb.Tx: the raw bytes of
// a TxBody, the signer's ed25519 public key and a signature over
// SignBytes(body). The body stays raw so that the signature covers exactly
// the bytes received; it is never re-serialized. Clients build one with
// Sign; the ledger takes one apart with Decode, then Check and
// VerifySignature.
//
// # Signatures
//
// A signature is valid when it verifies under the rules of ZIP-215
// (https://zips.z.cash/zip-0215), the rules CometBFT applies to its own
// votes: S must be canonical (below the group order), the public key and
// R may be any encoding of a curve point, and the check is the cofactored
// equation [8][S]B = [8]R + [8][k]A. Those rules were written so that
// verifying signatures one by one and in a batch accept exactly the same
// signatures, which lets a node verify a block's transactions in one batch
// (AddToBatch) and fall back to VerifySignature only to name the bad one,
// without ever reaching a result that depends on how signatures were
// grouped. (Go's crypto/ed25519 checks the cofactorless equation, which
// no batch can reproduce: a signature with a small-order component would
// verify in a batch and fail alone.) Signatures made by crypto/ed25519
// verify under both. S being canonical, a valid signature cannot be
// altered into another valid one; R and the key are hashed as the bytes
// received, so another encoding of either is another, invalid, signature.
//
// Every failure is a *codes.Error with a code of codespace "tx"
// (errors.go) and a log that names the field and the rule.
package tx

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	voied25519 "github.com/oasisprotocol/curve25519-voi/primitives/ed25519"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
)

// MaxTxBytes bounds a serialized Tx, in bytes (64 KiB). Decode refuses
// larger ones before parsing anything.
const MaxTxBytes = 64 << 10

// SignDomain prefixes the body in the bytes that are signed, so that a
// signature over a transaction can never be mistaken for a signature over
// anything else (another message format, or a later version of this one).
const SignDomain = "celltonomy/tx/v1\x00"

// SignBytes returns what the signer signs: SignDomain ‖ body, body being
// the raw TxBody bytes carried in Tx.body. The chain id is inside the body.
func SignBytes(body []byte) []byte {
	b := make([]byte, 0, len(SignDomain)+len(body))
	return append(append(b, SignDomain...), body...)
}

// Hash returns the transaction hash as CometBFT computes it: the SHA-256
// of the serialized Tx.
func Hash(raw []byte) [32]byte { return sha256.Sum256(raw) }

// Sign serializes body (deterministically), signs it with priv and returns
// the serialized Tx, ready to broadcast. It returns an error if the body
// cannot be serialized (a string that is not UTF-8).
func Sign(priv ed25519.PrivateKey, body *ledgerpb.TxBody) ([]byte, error) {
	if len(priv) != ed25519.PrivateKeySize {
		return nil, fmt.Errorf("tx: sign: private key must be %d bytes, got %d", ed25519.PrivateKeySize, len(priv))
	}
	bodyBytes, err := proto.MarshalOptions{Deterministic: true}.Marshal(body)
	if err != nil {
		return nil, fmt.Errorf("tx: sign: encode body: %w", err)
	}
	t := &ledgerpb.Tx{
		Body:      bodyBytes,
		PublicKey: priv.Public().(ed25519.PublicKey),
		Signature: ed25519.Sign(priv, SignBytes(bodyBytes)),
	}
	return proto.MarshalOptions{Deterministic: true}.Marshal(t)
}

// Tx is a decoded transaction. Decode fills every field.
type Tx struct {
	// BodyBytes are the raw body bytes, as signed.
	BodyBytes []byte
	// Body is BodyBytes decoded.
	Body *ledgerpb.TxBody
	// PubKey is the signer's ed25519 public key.
	PubKey ed25519.PublicKey
	// Signature is the 64-byte ed25519 signature.
	Signature []byte
	// Signer is the address of PubKey.
	Signer address.Address
}

// Decode takes a serialized Tx apart. It checks only the form, not the
// state nor the signature: the size (ErrTooLarge), the protobuf encoding
// of Tx and TxBody (ErrDecode; a Tx must also be in canonical encoding, so
// that one transaction has one hash), the public key and signature lengths
// (ErrPubKey, ErrSignature), that there is at least one message
// (ErrNoMessages), that every message is of a known type
// (ErrUnknownMessage), and that no field anywhere is unknown to this
// version of the schema (ErrUnknownField): a newer client's field must not
// be silently dropped. Decode never panics.
func Decode(raw []byte) (*Tx, error) {
	if len(raw) > MaxTxBytes {
		return nil, ErrTooLarge.Errorf("size %d bytes: must be at most %d bytes", len(raw), MaxTxBytes)
	}
	if len(raw) == 0 {
		return nil, ErrDecode.Errorf("empty: a Tx has a body, a public key and a signature")
	}
	var t ledgerpb.Tx
	if !canonical(raw, &t) {
		t.Reset()
		// Decoder errors are not quoted: protobuf-go varies their text on
		// purpose, and a log must read the same on every node.
		if err := proto.Unmarshal(raw, &t); err != nil {
			return nil, ErrDecode.Errorf("not a serialized Tx: invalid protobuf wire format")
		}
		if err := unknownFields(t.ProtoReflect(), "tx"); err != nil {
			return nil, err
		}
		canon, err := proto.MarshalOptions{Deterministic: true}.Marshal(&t)
		if err != nil || string(canon) != string(raw) {
			return nil, ErrDecode.Errorf("not in canonical encoding: fields must appear once, in field-number order")
		}
	}
	if len(t.PublicKey) != ed25519.PublicKeySize {
		return nil, ErrPubKey.Errorf("public_key: must be %d bytes, got %d", ed25519.PublicKeySize, len(t.PublicKey))
	}
	if len(t.Signature) != ed25519.SignatureSize {
		return nil, ErrSignature.Errorf("signature: must be %d bytes, got %d", ed25519.SignatureSize, len(t.Signature))
	}
	var body ledgerpb.TxBody
	if !canonical(t.Body, &body) {
		// Not canonical, which a body need not be, or with an unknown
		// field, which it must not hold.
		body.Reset()
		if err := proto.Unmarshal(t.Body, &body); err != nil {
			return nil, ErrDecode.Errorf("body: not a serialized TxBody: invalid protobuf wire format or string not UTF-8")
		}
		if err := unknownFields(body.ProtoReflect(), "body"); err != nil {
			return nil, err
		}
	}
	if len(body.Messages) == 0 {
		return nil, ErrNoMessages.Errorf("body.messages: must hold at least one message")
	}
	for i, m := range body.Messages {
		if m.Sum == nil {
			return nil, ErrUnknownMessage.Errorf("body.messages[%d]: no message type set", i)
		}
	}
	signer, err := address.FromPubKey(t.PublicKey)
	if err != nil {
		return nil, ErrPubKey.Errorf("public_key: %v", err) // unreachable: length checked above
	}
	return &Tx{
		BodyBytes: t.Body,
		Body:      &body,
		PubKey:    ed25519.PublicKey(t.PublicKey),
		Signature: t.Signature,
		Signer:    signer,
	}, nil
}

// Check applies the rules that depend on the chain: the body's chain id
// must be chainID (ErrChainID), it may hold at most maxMsgs messages
// (ErrTooManyMessages, the max_msgs_per_tx param) and a memo of at most
// maxMemoBytes bytes (ErrMemoTooLong, the max_memo_bytes param).
func (t *Tx) Check(chainID string, maxMsgs, maxMemoBytes uint32) error {
	if t.Body.ChainId != chainID {
		return ErrChainID.Errorf("body.chain_id %q: must be %q", t.Body.ChainId, chainID)
	}
	if n := len(t.Body.Messages); uint64(n) > uint64(maxMsgs) {
		return ErrTooManyMessages.Errorf("body.messages: %d messages: must be at most max_msgs_per_tx %d", n, maxMsgs)
	}
	if n := len(t.Body.Memo); uint64(n) > uint64(maxMemoBytes) {
		return ErrMemoTooLong.Errorf("body.memo: %d bytes: must be at most max_memo_bytes %d", n, maxMemoBytes)
	}
	return nil
}

// verifyOptions are the ZIP-215 rules (see "Signatures" in the package
// doc), for single and batch verification alike.
var verifyOptions = &voied25519.Options{Verify: voied25519.VerifyOptionsZIP_215}

// VerifySignature checks the ed25519 signature over SignBytes(BodyBytes)
// under the ZIP-215 rules (ErrSignature; see "Signatures" in the package
// doc).
func (t *Tx) VerifySignature() error {
	if !voied25519.VerifyWithOptions(voied25519.PublicKey(t.PubKey), SignBytes(t.BodyBytes), t.Signature, verifyOptions) {
		return ErrSignature.Errorf("signature: does not verify with public_key %s over the body", hex.EncodeToString(t.PubKey))
	}
	return nil
}

// AddToBatch adds t's signature to a batch verifier, under the rules of
// VerifySignature. The batch accepts all its signatures exactly when each
// of them passes VerifySignature; when it does not, VerifySignature names
// the bad ones. (Batch verification draws random coefficients, so it is
// for the chain adapter, not the state machine: a batch only ever spares
// VerifySignature calls.)
func (t *Tx) AddToBatch(v *voied25519.BatchVerifier) {
	v.AddWithOptions(voied25519.PublicKey(t.PubKey), SignBytes(t.BodyBytes), t.Signature, verifyOptions)
}

// VerifySignatureExpanded is VerifySignature with the signer's public
// key already expanded (voied25519.NewExpandedPublicKey of PubKey, kept
// by the chain adapter for the keys it sees often), which spares
// decompressing the key: the ZIP-215 rules and the answer are the same.
// A k that is nil or not the expansion of PubKey is ignored.
func (t *Tx) VerifySignatureExpanded(k *voied25519.ExpandedPublicKey) error {
	if !t.expands(k) {
		return t.VerifySignature()
	}
	if !voied25519.VerifyExpandedWithOptions(k, SignBytes(t.BodyBytes), t.Signature, verifyOptions) {
		return ErrSignature.Errorf("signature: does not verify with public_key %s over the body", hex.EncodeToString(t.PubKey))
	}
	return nil
}

// AddToBatchExpanded is AddToBatch with the signer's public key already
// expanded, as VerifySignatureExpanded.
func (t *Tx) AddToBatchExpanded(v *voied25519.BatchVerifier, k *voied25519.ExpandedPublicKey) {
	if !t.expands(k) {
		t.AddToBatch(v)
		return
	}
	v.AddExpandedWithOptions(k, SignBytes(t.BodyBytes), t.Signature, verifyOptions)
}

// expands reports whether k is the expansion of t's public key.
func (t *Tx) expands(k *voied25519.ExpandedPublicKey) bool {
	if k == nil {
		return false
	}
	y := k.CompressedY()
	return string(y[:]) == string(t.PubKey)
}

// canonical decodes b into m, dropping unknown fields, and reports
// whether b is exactly m's canonical encoding. Then b held no unknown
// field at any depth either: the encoding of m has none, and equal bytes
// hold the same fields. Every transaction client.BuildTx makes passes
// with this, which costs an encoding, rather than a walk of the message
// by reflection (unknownFields); one that does not is decoded again by
// the caller to name what is wrong.
func canonical(b []byte, m proto.Message) bool {
	if err := (proto.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(b, m); err != nil {
		return false
	}
	enc, err := proto.MarshalOptions{Deterministic: true}.Marshal(m)
	return err == nil && string(enc) == string(b)
}

// unknownFields returns an error naming the first field, in schema order,
// that this version of the schema does not know. A Msg with an unknown
// field is a message of an unknown type (ErrUnknownMessage). A message
// without one, every transaction that decodes, is walked once without
// building the paths the error would name (hasUnknown).
func unknownFields(m protoreflect.Message, path string) error {
	if !hasUnknown(m) {
		return nil
	}
	return namedUnknown(m, path)
}

// hasUnknown reports whether m or a message within it holds a field
// unknown to the schema; it allocates nothing.
func hasUnknown(m protoreflect.Message) bool {
	if len(m.GetUnknown()) > 0 {
		return true
	}
	fields := m.Descriptor().Fields()
	for i := range fields.Len() {
		fd := fields.Get(i)
		if fd.Kind() != protoreflect.MessageKind || !m.Has(fd) {
			continue
		}
		if fd.IsList() {
			l := m.Get(fd).List()
			for j := range l.Len() {
				if hasUnknown(l.Get(j).Message()) {
					return true
				}
			}
			continue
		}
		if hasUnknown(m.Get(fd).Message()) {
			return true
		}
	}
	return false
}

// namedUnknown is unknownFields for a message known to hold an unknown
// field.
func namedUnknown(m protoreflect.Message, path string) error {
	if u := m.GetUnknown(); len(u) > 0 {
		num, _, _ := protowire.ConsumeTag(u)
		if m.Descriptor().FullName() == (&ledgerpb.Msg{}).ProtoReflect().Descriptor().FullName() {
			return ErrUnknownMessage.Errorf("%s: field %d: not a message type this ledger knows", path, num)
		}
		return ErrUnknownField.Errorf("%s: field %d: unknown to this ledger", path, num)
	}
	// Fields in declaration order, not m.Range, whose order is unspecified:
	// the log must name the same field on every node.
	fields := m.Descriptor().Fields()
	for i := range fields.Len() {
		fd := fields.Get(i)
		if fd.Kind() != protoreflect.MessageKind || !m.Has(fd) {
			continue
		}
		if fd.IsList() {
			l := m.Get(fd).List()
			for j := range l.Len() {
				if err := namedUnknown(l.Get(j).Message(), fmt.Sprintf("%s.%s[%d]", path, fd.Name(), j)); err != nil {
					return err
				}
			}
			continue
		}
		if err := namedUnknown(m.Get(fd).Message(), path+"."+string(fd.Name())); err != nil {
			return err
		}
	}
	return nil
}
