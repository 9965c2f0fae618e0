package tx

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
)

func testKey() ed25519.PrivateKey { return ed25519.NewKeyFromSeed(make([]byte, 32)) }

func testBody() *ledgerpb.TxBody {
	return &ledgerpb.TxBody{
		Messages: []*ledgerpb.Msg{{Sum: &ledgerpb.Msg_Send{Send: &ledgerpb.MsgSend{To: make([]byte, 20), Amount: 5}}}},
		Sequence: 3, Fee: 1000, ChainId: "c", Memo: "hi",
	}
}

func TestSignBytes(t *testing.T) {
	if got := hex.EncodeToString(SignBytes([]byte{0xab})); got != hex.EncodeToString([]byte("celltonomy/tx/v1\x00"))+"ab" {
		t.Fatalf("SignBytes = %s", got)
	}
}

func TestSignDecodeVerify(t *testing.T) {
	raw, err := Sign(testKey(), testBody())
	if err != nil {
		t.Fatal(err)
	}
	// Pinned: the encoding of a transaction never changes silently.
	if sum := sha256.Sum256(raw); Hash(raw) != sum {
		t.Fatal("Hash is not SHA-256 of the bytes")
	}
	d, err := Decode(raw)
	if err != nil {
		t.Fatal(err)
	}
	if !proto.Equal(d.Body, testBody()) || d.Signer.String() != "cell1zw0rjs8xfd2fzu3q3rv6p46pv28usfhqet2cna" {
		t.Fatalf("decoded %v signer %s", d.Body, d.Signer)
	}
	if err := d.Check("c", 1, 2); err != nil {
		t.Fatal(err)
	}
	if err := d.VerifySignature(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		chain       string
		msgs, memos uint32
		want        error
	}{
		{"d", 1, 2, ErrChainID},
		{"c", 0, 2, ErrTooManyMessages},
		{"c", 1, 1, ErrMemoTooLong},
	} {
		if err := d.Check(tc.chain, tc.msgs, tc.memos); !errors.Is(err, tc.want) {
			t.Errorf("Check(%q, %d, %d) = %v, want %v", tc.chain, tc.msgs, tc.memos, err, tc.want)
		}
	}
	d.BodyBytes = append([]byte{}, d.BodyBytes...)
	d.BodyBytes[0] ^= 1
	if err := d.VerifySignature(); !errors.Is(err, ErrSignature) {
		t.Fatalf("altered body verifies: %v", err)
	}
	if _, err := Sign(testKey()[:10], testBody()); err == nil {
		t.Fatal("Sign with a short key")
	}
}

// FuzzDecode: Decode never panics, refuses with a tx code, answers as
// the plain decoding it shortcuts (referenceDecode), and what it accepts
// re-encodes to the same bytes.
func FuzzDecode(f *testing.F) {
	raw, _ := Sign(testKey(), testBody())
	f.Add(raw)
	f.Add([]byte{})
	// A body in a non-canonical encoding (chain_id before sequence), and
	// one with a field this schema does not know.
	body := mustMarshalFuzz(testBody())
	f.Add(mustMarshalFuzz(&ledgerpb.Tx{Body: append(protowire.AppendString(protowire.AppendTag(nil, 4, protowire.BytesType), "c"), body...),
		PublicKey: make([]byte, 32), Signature: make([]byte, 64)}))
	f.Add(mustMarshalFuzz(&ledgerpb.Tx{Body: protowire.AppendVarint(protowire.AppendTag(body, 99, protowire.VarintType), 1),
		PublicKey: make([]byte, 32), Signature: make([]byte, 64)}))
	f.Fuzz(func(t *testing.T, raw []byte) {
		d, err := Decode(raw)
		wantBody, wantErr := referenceDecode(raw)
		if (err == nil) != (wantErr == nil) || (err != nil && err.Error() != wantErr.Error()) {
			t.Fatalf("Decode: %v; the plain decoding: %v", err, wantErr)
		}
		if err == nil && !proto.Equal(d.Body, wantBody) {
			t.Fatalf("Decode's body %v; the plain decoding's %v", d.Body, wantBody)
		}
		if err != nil {
			for _, c := range Codes() {
				if errors.Is(err, c) {
					return
				}
			}
			t.Fatalf("error without a tx code: %v", err)
		}
		again, err := proto.Marshal(&ledgerpb.Tx{Body: d.BodyBytes, PublicKey: d.PubKey, Signature: d.Signature})
		if err != nil || string(again) != string(raw) {
			t.Fatal("accepted bytes do not re-encode to themselves")
		}
	})
}

// TestUnknownFields: a field the schema does not know is refused wherever
// it is, with the path of the message that holds it; a transaction
// without one is checked without building those paths (one allocation
// is left: protoreflect's view of the message list).
func TestUnknownFields(t *testing.T) {
	unknown := protowire.AppendVarint(protowire.AppendTag(nil, 99, protowire.VarintType), 1)
	send := &ledgerpb.MsgSend{To: make([]byte, 20), Amount: 5}
	withUnknown := func(m proto.Message) proto.Message {
		m = proto.Clone(m)
		m.ProtoReflect().SetUnknown(unknown)
		return m
	}
	bodyWith := func(msgs ...*ledgerpb.Msg) *ledgerpb.TxBody {
		b := testBody()
		b.Messages = msgs
		return b
	}
	plain := &ledgerpb.Msg{Sum: &ledgerpb.Msg_Send{Send: send}}
	for _, tc := range []struct {
		name string
		tx   *ledgerpb.Tx
		want error
		log  string
	}{
		{"in the tx", withUnknown(&ledgerpb.Tx{Body: mustMarshal(t, testBody())}).(*ledgerpb.Tx), ErrUnknownField, "tx: field 99"},
		{"in the body", &ledgerpb.Tx{Body: mustMarshal(t, withUnknown(testBody()))}, ErrUnknownField, "body: field 99"},
		{"in a send", &ledgerpb.Tx{Body: mustMarshal(t, bodyWith(plain, &ledgerpb.Msg{Sum: &ledgerpb.Msg_Send{Send: withUnknown(send).(*ledgerpb.MsgSend)}}))},
			ErrUnknownField, "body.messages[1].send: field 99"},
		{"a message type", &ledgerpb.Tx{Body: mustMarshal(t, bodyWith(plain, withUnknown(&ledgerpb.Msg{}).(*ledgerpb.Msg)))},
			ErrUnknownMessage, "body.messages[1]: field 99: not a message type"},
	} {
		tc.tx.PublicKey, tc.tx.Signature = make([]byte, ed25519.PublicKeySize), make([]byte, ed25519.SignatureSize)
		_, err := Decode(mustMarshal(t, tc.tx))
		if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.log) {
			t.Errorf("%s: %v, want %v naming %q", tc.name, err, tc.want, tc.log)
		}
	}
	body := testBody()
	named := testing.AllocsPerRun(100, func() { _ = namedUnknown(body.ProtoReflect(), "body") })
	if allocs := testing.AllocsPerRun(100, func() {
		if err := unknownFields(body.ProtoReflect(), "body"); err != nil {
			t.Fatal(err)
		}
	}); allocs > 1 {
		t.Fatalf("a body without unknown fields: %v allocations (with the paths: %v)", allocs, named)
	}
}

func mustMarshal(t *testing.T, m proto.Message) []byte {
	t.Helper()
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// referenceDecode is Decode without its shortcut (canonical): every
// check in order, unknown fields found by walking the messages.
func referenceDecode(raw []byte) (*ledgerpb.TxBody, error) {
	if len(raw) > MaxTxBytes {
		return nil, ErrTooLarge.Errorf("size %d bytes: must be at most %d bytes", len(raw), MaxTxBytes)
	}
	if len(raw) == 0 {
		return nil, ErrDecode.Errorf("empty: a Tx has a body, a public key and a signature")
	}
	var t ledgerpb.Tx
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
	if len(t.PublicKey) != ed25519.PublicKeySize {
		return nil, ErrPubKey.Errorf("public_key: must be %d bytes, got %d", ed25519.PublicKeySize, len(t.PublicKey))
	}
	if len(t.Signature) != ed25519.SignatureSize {
		return nil, ErrSignature.Errorf("signature: must be %d bytes, got %d", ed25519.SignatureSize, len(t.Signature))
	}
	var body ledgerpb.TxBody
	if err := proto.Unmarshal(t.Body, &body); err != nil {
		return nil, ErrDecode.Errorf("body: not a serialized TxBody: invalid protobuf wire format or string not UTF-8")
	}
	if err := unknownFields(body.ProtoReflect(), "body"); err != nil {
		return nil, err
	}
	if len(body.Messages) == 0 {
		return nil, ErrNoMessages.Errorf("body.messages: must hold at least one message")
	}
	for i, m := range body.Messages {
		if m.Sum == nil {
			return nil, ErrUnknownMessage.Errorf("body.messages[%d]: no message type set", i)
		}
	}
	return &body, nil
}

func mustMarshalFuzz(m proto.Message) []byte {
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(m)
	if err != nil {
		panic(err)
	}
	return b
}
