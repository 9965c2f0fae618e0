package order

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"sort"
	"strings"

	"google.golang.org/protobuf/proto"

	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/market"
	"github.com/celltonomy/celltonomy/ledger/query"
	"github.com/celltonomy/celltonomy/nodeapi"
	"github.com/celltonomy/celltonomy/runtime/inputroot"
	"github.com/celltonomy/celltonomy/runtime/protopkg"
	"github.com/celltonomy/celltonomy/spec"
	"github.com/celltonomy/celltonomy/spec/packer"
	"github.com/celltonomy/celltonomy/spec/specpb"
)

// Default windows of an order, in blocks, used when a Request leaves them
// 0 (each is then lowered to the chain's max param if that is smaller).
const (
	DefaultBidWindow      = 10
	DefaultDeliveryWindow = 100
	DefaultConfirmWindow  = 100
	// DefaultStars is the buyer's rating when Request.Stars is nil and
	// the run exited (see NonExitedStars for one that did not).
	DefaultStars = 5
)

// MaxBlobLocations is the most blob locations a package registration
// names (the registry's limit).
const MaxBlobLocations = 16

// Request is one order of a package run.
type Request struct {
	// Package is a package directory (with cell.toml), a .cellpkg file,
	// or a registered package id (64 hex digits).
	Package string
	// Inputs maps each input name the package declares to a host file.
	Inputs map[string]string
	// Params are the order's parameters, checked against the envelope's
	// declared parameters.
	Params map[string]string
	// MaxPrice is the most the buyer pays, in ucell; required. Buying an
	// offering, it is the purchase's max_price: the chain refuses the
	// purchase if the vendor's price is above it.
	MaxPrice uint64
	// Offering, when set, buys the offering of this vendor (a bech32
	// address) for the package instead of posting an order for bids: the
	// order is awarded at once to the offering's node, at its price, and
	// served as any award. BidWindow, Replication and
	// MinProviderReputation do not apply; DeliveryWindow defaults to the
	// offering's lead time.
	Offering string
	// POStake is the PO stake in ucell (default: the chain's
	// min_po_stake).
	POStake uint64
	// BidWindow, DeliveryWindow and ConfirmWindow are in blocks (defaults
	// DefaultBidWindow, DefaultDeliveryWindow, DefaultConfirmWindow; each
	// at most the chain's max).
	BidWindow, DeliveryWindow, ConfirmWindow uint64
	// Replication is the replication factor (default 1).
	Replication uint32
	// MinProviderReputation, when positive, admits only bids that prove
	// at least this reputation in the package's skill against the accepted
	// reputation root (market.md: "Create").
	MinProviderReputation uint64
	// OutDir receives the outputs under OutDir/ORDER_ID (see
	// WriteOutputs); empty: the outputs are verified but not written.
	OutDir string
	// Stars is the buyer's rating of the provider, 0 to 5 (nil:
	// DefaultStars for a run that exited, NonExitedStars for one that
	// ended in a trap or a limit of the package).
	Stars *uint32
	// DisputeOutcome is the outcome asked for when Run opens a dispute
	// (default refund); with redo or redo-by-another, Run follows the
	// order's new round when the buyer wins.
	DisputeOutcome ledgerpb.DisputeOutcome
	// DisputeStake is staked when Run opens a dispute, in ucell (default:
	// the chain's min_dispute_stake).
	DisputeStake uint64
	// NoWaitFinal makes Run return after revealing the rating instead of
	// waiting for the reveal window to end (reveal_window_blocks may be
	// long on a real network).
	NoWaitFinal bool
	// NoClose makes Run stop once the outputs are verified and written,
	// without closing: the buyer looks at them first, then closes with
	// Close or disputes with Dispute before the confirm deadline, when
	// the order closes by itself in the provider's favour.
	NoClose bool
	// Detach makes Run return once the order is awarded and the winning
	// node accepted the inputs, without waiting for the delivery; the
	// order's Plan is kept in StateDir, and Attach takes it from there.
	Detach bool
	// OnFailure decides what Run does with a verified delivery of a run
	// that failed: the package exited with a non-zero code, or ended in a
	// trap or one of its limits (default OnFailureAsk).
	OnFailure OnFailure
	// Ask is asked, with OnFailureAsk, what to do with a failed run (the
	// Result holds its exit code and stderr); it returns OnFailureClose,
	// OnFailureDispute, or OnFailureAsk to leave the order to the buyer.
	// Nil: the order is left to the buyer.
	Ask func(*Result) OnFailure
	// Progress receives every step; may be nil.
	Progress func(Step)
}

// OnFailure is what the buyer does with a verified delivery of a run that
// failed (Request.OnFailure).
type OnFailure string

// The choices of OnFailure.
const (
	// OnFailureAsk asks Request.Ask; without one, or when it answers
	// OnFailureAsk, the order is left DELIVERED with its outputs written
	// and Run returns ErrPackageFailed: the buyer closes or disputes it
	// (Close, Dispute, Attach) before the confirm deadline, when it
	// closes by itself in the provider's favour.
	OnFailureAsk OnFailure = "ask"
	// OnFailureClose closes the order and pays the provider, who ran the
	// package as it must, rating it NonExitedStars unless Request.Stars
	// names a rating; Run still returns ErrPackageFailed.
	OnFailureClose OnFailure = "close"
	// OnFailureDispute disputes the delivery (claim wrong-result, with
	// Request.DisputeOutcome and DisputeStake). Verifiers re-run the
	// package: a failure that is what the package does with these inputs
	// is confirmed, and the buyer loses the dispute stake.
	OnFailureDispute OnFailure = "dispute"
)

// ParseOnFailure parses "ask", "close" or "dispute"; "" is OnFailureAsk.
func ParseOnFailure(s string) (OnFailure, error) {
	switch f := OnFailure(s); f {
	case "", OnFailureAsk:
		return OnFailureAsk, nil
	case OnFailureClose, OnFailureDispute:
		return f, nil
	}
	return "", fieldErr("on_failure", "%q: want ask, close or dispute", s)
}

// resolved is a package ready to order: its id, envelope, and, when the
// request named a file or directory, the package to publish.
type resolved struct {
	id         spec.ID
	envelope   *specpb.Envelope
	pkg        *spec.Package // nil for a package given by id
	registered *ledgerpb.Package
}

// resolvePackage reads ref (a directory, a .cellpkg or an id) and looks
// it up in the registry. A directory is built signed by the buyer; an
// unsigned .cellpkg is signed by the buyer as its author.
func (b *Buyer) resolvePackage(ctx context.Context, ref string) (*resolved, error) {
	if ref == "" {
		return nil, fieldErr("package", "required: a package directory, a .cellpkg file or a package id")
	}
	r := &resolved{}
	_, statErr := os.Stat(ref)
	if id, err := spec.ParseID(ref); err == nil && statErr != nil {
		r.id = id
	} else {
		if statErr != nil {
			return nil, fieldErr("package", "%s: neither a package id (64 hex digits) nor a file or directory: %v", ref, statErr)
		}
		if info, _ := os.Stat(ref); info.IsDir() {
			r.pkg, err = packer.BuildSigned(ref, spec.DefaultLimits(), b.Key)
		} else {
			r.pkg, err = packer.Load(ref, spec.DefaultLimits())
		}
		if err != nil {
			return nil, fieldErr("package", "%v", err)
		}
		r.id, r.envelope = r.pkg.ID(), r.pkg.Envelope()
	}
	p, err := b.registeredPackage(ctx, r.id[:])
	switch {
	case err == nil:
		r.registered = p
		if r.envelope == nil {
			env := &specpb.Envelope{}
			if err := proto.Unmarshal(p.Envelope, env); err != nil {
				return nil, fmt.Errorf("package %s: registered envelope: %w", r.id, err)
			}
			r.envelope = env
		}
	case !errors.Is(err, query.ErrNotFound):
		return nil, fmt.Errorf("package %s: %w", r.id, err)
	case r.pkg == nil:
		return nil, fieldErr("package", "%s is not registered, and no package directory or .cellpkg file was given to publish it", r.id)
	default:
		if err := b.authorAsBuyer(r); err != nil {
			return nil, err
		}
		// The registry keeps a name to its first author.
		var others []*ledgerpb.Package
		for p, err := range b.Chain.PackagesByName(ctx, r.envelope.GetName()) {
			if err != nil {
				return nil, err
			}
			if address.Address(p.Author) != b.Address {
				others = append(others, p)
			}
		}
		if len(others) > 0 {
			return nil, differsErr(ref, r, others)
		}
	}
	return r, nil
}

// differsErr is the error for a package built from ref that is not
// registered while its name is another author's: the local package
// differs from the registered one(s), most often because it was rebuilt
// from other sources or by a build that is not reproducible. It names the
// registered ids (the one of the same version first) and what the buyer
// can do.
func differsErr(ref string, r *resolved, registered []*ledgerpb.Package) error {
	name, version := r.envelope.GetName(), r.envelope.GetVersion()
	registered = slices.Clone(registered)
	sort.SliceStable(registered, func(i, j int) bool {
		return registered[i].GetVersion() == version && registered[j].GetVersion() != version
	})
	const listed = 3
	var ids []string
	for i, p := range registered {
		if i == listed {
			ids = append(ids, fmt.Sprintf("and %d more", len(registered)-listed))
			break
		}
		ids = append(ids, fmt.Sprintf("%s %s = %x", name, p.GetVersion(), p.GetPackageId()))
	}
	first := registered[0]
	what := fmt.Sprintf("the registered package %s %s (%x)", name, first.GetVersion(), first.GetPackageId())
	if first.GetVersion() != version {
		what = fmt.Sprintf("every registered version of %q (%s)", name, strings.Join(ids, "; "))
	} else if len(ids) > 1 {
		what += fmt.Sprintf(" (registered: %s)", strings.Join(ids, "; "))
	}
	return fieldErr("package", "%s builds package %s %s with id %s, which differs from %s; the name %q belongs to author %s, so this package cannot be registered as yours. "+
		"Either order the registered package by its id (%x), or rebuild %s from the same sources with the same build (a reproducible build gives the registered id), or give it a name of your own or a new version in its cell.toml",
		ref, name, version, r.id, what, name, address.Address(first.GetAuthor()), first.GetPackageId(), ref)
}

// authorAsBuyer makes the buyer the author of an unregistered package it
// is to publish: a package signed by someone else cannot be registered by
// the buyer.
func (b *Buyer) authorAsBuyer(r *resolved) error {
	if r.pkg.Signed() {
		if address.Address(r.pkg.Envelope().GetAuthor()) != b.Address {
			return fieldErr("package", "%s is not registered and is signed by author %s: only its author can register it (cell tx registry register-package), or give its directory to publish it as %s",
				r.id, address.Address(r.pkg.Envelope().GetAuthor()), b.Address)
		}
		return nil
	}
	env := proto.Clone(r.pkg.Envelope()).(*specpb.Envelope)
	env.Author = b.Address.Bytes()
	raw, err := proto.MarshalOptions{Deterministic: true}.Marshal(env)
	if err != nil {
		return err
	}
	p, err := spec.NewPackage(r.pkg.Spec(), raw)
	if err != nil {
		return fmt.Errorf("package %s: %w", r.id, err)
	}
	if err := p.Sign(b.Key); err != nil {
		return err
	}
	r.pkg, r.envelope = p, p.Envelope()
	return nil
}

// CheckRequest checks the inputs and parameters of req against a package
// envelope, without the chain: every declared input is given and every
// given input is declared and an existing regular file; every given
// parameter is declared, every required one without a default given.
// Errors are *FieldError values naming the input or parameter.
func CheckRequest(env *specpb.Envelope, inputs, params map[string]string) error {
	declared := map[string]bool{}
	var names []string
	for _, in := range env.GetInputs() {
		declared[in.GetName()] = true
		names = append(names, in.GetName())
	}
	for _, name := range slices.Sorted(maps.Keys(inputs)) {
		if err := inputroot.CheckName(name); err != nil {
			return fieldErr("inputs."+name, "%v", err)
		}
		if !declared[name] {
			return fieldErr("inputs."+name, "not declared by package %s (declared: %s)", env.GetName(), orDash(strings.Join(names, ", ")))
		}
		info, err := os.Stat(inputs[name])
		if err != nil {
			return fieldErr("inputs."+name, "file %s: %v", inputs[name], errors.Unwrap(err))
		}
		if !info.Mode().IsRegular() {
			return fieldErr("inputs."+name, "%s is not a regular file", inputs[name])
		}
	}
	for _, name := range names {
		if _, ok := inputs[name]; !ok {
			return fieldErr("inputs."+name, "required by package %s: give it as NAME=FILE", env.GetName())
		}
	}
	var pnames []string
	for _, p := range env.GetParameters() {
		pnames = append(pnames, p.GetName())
		if _, ok := params[p.GetName()]; !ok && p.GetRequired() && p.Default == nil {
			return fieldErr("params."+p.GetName(), "required by package %s", env.GetName())
		}
	}
	for _, name := range slices.Sorted(maps.Keys(params)) {
		if !slices.Contains(pnames, name) {
			return fieldErr("params."+name, "not declared by package %s (declared: %s)", env.GetName(), orDash(strings.Join(pnames, ", ")))
		}
		if len(name) > market.MaxParamKeyBytes || len(params[name]) > market.MaxParamValueBytes {
			return fieldErr("params."+name, "key at most %d bytes, value at most %d", market.MaxParamKeyBytes, market.MaxParamValueBytes)
		}
	}
	if len(params) > market.MaxParams {
		return fieldErr("params", "at most %d parameters, got %d", market.MaxParams, len(params))
	}
	return nil
}

func orDash(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// orderParams returns params as the sorted list an order carries.
func orderParams(params map[string]string) []*ledgerpb.OrderParam {
	var out []*ledgerpb.OrderParam
	for _, k := range slices.Sorted(maps.Keys(params)) {
		out = append(out, &ledgerpb.OrderParam{Key: k, Value: params[k]})
	}
	return out
}

// hashInputs hashes the input files; the list is sorted by name.
func hashInputs(inputs map[string]string) ([]nodeapi.InputFile, [32]byte, error) {
	var list []inputroot.Input
	var files []nodeapi.InputFile
	for _, name := range slices.Sorted(maps.Keys(inputs)) {
		in, err := inputroot.HashFile(name, inputs[name])
		if err != nil {
			return nil, [32]byte{}, fieldErr("inputs."+name, "%v", err)
		}
		list = append(list, in)
		files = append(files, nodeapi.InputFile{Name: name, Size: in.Size, SHA256: hex.EncodeToString(in.SHA256[:])})
	}
	root, err := inputroot.Compute(list)
	if err != nil {
		return nil, root, fieldErr("inputs", "%v", err)
	}
	return files, root, nil
}

// plan is a checked request: the message to send (create, or buy for
// an offering) and what it costs.
type plan struct {
	req      Request
	pkg      *resolved
	inputs   []nodeapi.InputFile
	root     [32]byte
	create   *ledgerpb.MsgCreateOrder
	buy      *ledgerpb.MsgBuyOffering
	offering *ledgerpb.Offering
	publish  bool
	// proto is the filled protocol of a protocol package.
	proto *protopkg.Loaded
}

// prepare checks req completely before any funds move. Errors are
// *FieldError values naming the field, or wrap ErrInsufficientFunds.
func (b *Buyer) prepare(ctx context.Context, req Request) (*plan, error) {
	p := b.Params
	if req.MaxPrice == 0 {
		return nil, fieldErr("max_price", "must be positive (ucell)")
	}
	if req.MaxPrice < p.MinPrice {
		return nil, fieldErr("max_price", "%d ucell: must be at least the chain's min_price %d ucell", req.MaxPrice, p.MinPrice)
	}
	if req.POStake == 0 {
		req.POStake = p.MinPoStake
	}
	if req.POStake < p.MinPoStake {
		return nil, fieldErr("po_stake", "%d ucell: must be at least the chain's min_po_stake %d ucell", req.POStake, p.MinPoStake)
	}
	window := func(field string, v *uint64, def, max uint64) error {
		if *v == 0 {
			*v = min(def, max)
		}
		if *v > max {
			return fieldErr(field, "%d blocks: must be at most the chain's max of %d", *v, max)
		}
		return nil
	}
	leadTime := req.DeliveryWindow == 0 && req.Offering != ""
	if err := window("bid_window", &req.BidWindow, DefaultBidWindow, p.MaxBidWindow); err != nil {
		return nil, err
	}
	if err := window("delivery_window", &req.DeliveryWindow, DefaultDeliveryWindow, p.MaxDeliveryWindow); err != nil {
		return nil, err
	}
	if err := window("confirm_window", &req.ConfirmWindow, DefaultConfirmWindow, p.MaxConfirmWindow); err != nil {
		return nil, err
	}
	if req.Replication == 0 {
		req.Replication = 1
	}
	if req.Stars != nil && *req.Stars > market.MaxStars {
		return nil, fieldErr("stars", "%d: must be 0 to %d", *req.Stars, market.MaxStars)
	}
	var vendor address.Address
	if req.Offering != "" {
		var err error
		if vendor, err = address.Parse(req.Offering); err != nil {
			return nil, fieldErr("offering", "%q: not an address: %v", req.Offering, err)
		}
		if vendor == b.Address {
			return nil, fieldErr("offering", "%s is the buyer: a buyer cannot buy its own offering", vendor)
		}
	}
	pkg, err := b.resolvePackage(ctx, req.Package)
	if err != nil {
		return nil, err
	}
	var proto *protopkg.Loaded
	switch pkg.envelope.GetKind() {
	case specpb.Kind_KIND_COMPUTE, specpb.Kind_KIND_PROTOCOL:
	default:
		return nil, fieldErr("package", "%s is a %s package; only compute and protocol packages can be ordered here", pkg.id, spec.KindName(pkg.envelope.GetKind()))
	}
	if err := CheckRequest(pkg.envelope, req.Inputs, req.Params); err != nil {
		return nil, err
	}
	if pkg.envelope.GetKind() == specpb.Kind_KIND_PROTOCOL {
		if proto, err = b.loadProtocol(ctx, pkg, req.Params); err != nil {
			return nil, err
		}
	}
	files, root, err := hashInputs(req.Inputs)
	if err != nil {
		return nil, err
	}
	pl := &plan{req: req, pkg: pkg, inputs: files, root: root, publish: pkg.registered == nil, proto: proto}
	escrow := req.MaxPrice
	if req.Offering != "" {
		if pl.offering, err = b.offering(ctx, vendor, pkg); err != nil {
			return nil, err
		}
		if pl.offering.Price > req.MaxPrice {
			return nil, fieldErr("max_price", "%d ucell: below the price of %s's offering, %d ucell", req.MaxPrice, vendor, pl.offering.Price)
		}
		if leadTime {
			pl.req.DeliveryWindow = min(max(pl.offering.LeadTimeBlocks, 1), p.MaxDeliveryWindow)
		}
		pl.buy = &ledgerpb.MsgBuyOffering{Vendor: vendor.Bytes(), PackageId: pkg.id[:], InputRoot: root[:], Params: orderParams(req.Params),
			DeliveryWindow: pl.req.DeliveryWindow, ConfirmWindow: req.ConfirmWindow, PoStake: req.POStake, MaxPrice: req.MaxPrice}
		if err := market.ValidateBuyOffering(pl.buy, p); err != nil {
			return nil, fieldErr("offering", "%v", err)
		}
		escrow = pl.offering.Price
	} else {
		var inputBytes uint64
		for _, f := range files {
			inputBytes += uint64(f.Size)
		}
		pl.create = &ledgerpb.MsgCreateOrder{PackageId: pkg.id[:], InputRoot: root[:], Params: orderParams(req.Params),
			MaxPrice: req.MaxPrice, PoStake: req.POStake, BidWindow: req.BidWindow, DeliveryWindow: req.DeliveryWindow,
			ConfirmWindow: req.ConfirmWindow, Replication: req.Replication, MinProviderReputation: req.MinProviderReputation,
			InputBytes: inputBytes}
		if err := market.ValidateCreateOrder(pl.create, p); err != nil {
			return nil, fieldErr("order", "%v", err)
		}
	}
	// create (or buy), close, reveal, and the registration when
	// publishing.
	txs := uint64(3)
	if pl.publish {
		txs++
	}
	need, ok := sum(escrow, req.POStake, txs*b.Fee)
	bal, err := b.balance(ctx)
	if err != nil {
		return nil, err
	}
	if !ok || bal < need {
		return nil, fmt.Errorf("%w: %s has %d ucell; the order needs %s %d + PO stake %d + fees %d = %d ucell",
			ErrInsufficientFunds, b.Address, bal, priceName(req.Offering), escrow, req.POStake, txs*b.Fee, need)
	}
	return pl, nil
}

func priceName(offering string) string {
	if offering != "" {
		return "the offering's price"
	}
	return "max price"
}

// offering returns vendor's offering of the package r; an unregistered
// package, or one vendor does not offer, is a *FieldError on "offering".
func (b *Buyer) offering(ctx context.Context, vendor address.Address, r *resolved) (*ledgerpb.Offering, error) {
	if r.registered == nil {
		return nil, fieldErr("offering", "package %s is not registered, so %s cannot offer it", r.id, vendor)
	}
	for off, err := range b.Chain.Offerings(ctx, vendor, nil) {
		if err != nil {
			return nil, fmt.Errorf("offerings of %s: %w", vendor, err)
		}
		if bytes.Equal(off.PackageId, r.id[:]) {
			return off, nil
		}
	}
	return nil, fieldErr("offering", "%s has no offering of package %s", vendor, r.id)
}

func sum(vs ...uint64) (uint64, bool) {
	var s uint64
	for _, v := range vs {
		n := s + v
		if n < s {
			return 0, false
		}
		s = n
	}
	return s, true
}

// publish registers the package as the buyer's, naming the active nodes'
// blob URLs, and uploads its .cellpkg to each; it fails when no node took
// it. It returns the registration height and the nodes that took it.
func (b *Buyer) publish(ctx context.Context, r *resolved) (int64, int, error) {
	nodes, err := b.activeNodes(ctx)
	if err != nil {
		return 0, 0, err
	}
	if len(nodes) == 0 {
		return 0, 0, fmt.Errorf("publish package %s: no active node to store it", r.id)
	}
	sort.SliceStable(nodes, func(i, j int) bool { return bytes.Compare(nodes[i].NodePubkey, nodes[j].NodePubkey) < 0 })
	if len(nodes) > MaxBlobLocations {
		nodes = nodes[:MaxBlobLocations]
	}
	blob := r.pkg.Encode()
	digest := sha256.Sum256(blob)
	var locations []string
	var usable []*ledgerpb.Node
	for _, n := range nodes {
		u, err := nodeapi.BlobURL(n.Endpoint, digest)
		if err != nil || len(u) > 256 {
			continue
		}
		locations = append(locations, u)
		usable = append(usable, n)
	}
	if len(usable) == 0 {
		return 0, 0, fmt.Errorf("publish package %s: no active node has a usable endpoint", r.id)
	}
	pub, sig := r.pkg.Signature()
	res, err := b.send(ctx, "register package "+r.id.String(), &ledgerpb.Msg{Sum: &ledgerpb.Msg_RegisterPackage{RegisterPackage: &ledgerpb.MsgRegisterPackage{
		Envelope: r.pkg.EnvelopeBytes(), AuthorPublicKey: ed25519.PublicKey(pub), AuthorSignature: sig,
		SpecSize: uint64(len(r.pkg.Spec().Bytes())), BlobLocations: locations,
	}}})
	if err != nil {
		return 0, 0, err
	}
	accepted := 0
	var errs []error
	for _, n := range usable {
		if err := b.nodeAPI(n.Endpoint).PutBlob(ctx, digest, blob); err != nil {
			errs = append(errs, fmt.Errorf("node %x at %s: %w", n.NodePubkey, n.Endpoint, err))
			continue
		}
		accepted++
	}
	if accepted == 0 {
		return res.Height, 0, fmt.Errorf("publish package %s: registered at height %d, but no node accepted the blob: %w", r.id, res.Height, errors.Join(errs...))
	}
	return res.Height, accepted, nil
}
