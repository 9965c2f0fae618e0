package registry

import "github.com/celltonomy/celltonomy/ledger/codes"

// Codespace is the codespace of the registry module's codes.
const Codespace = "registry"

// Codes of codespace "registry". Numbers are appended, never renumbered.
var (
	// ErrInvalidName: a profile name is empty, too long or has control
	// characters.
	ErrInvalidName = codes.New(Codespace, 1, "invalid name")
	// ErrInvalidRole: a role is unknown or listed twice.
	ErrInvalidRole = codes.New(Codespace, 2, "invalid role")
	// ErrInvalidContact: a contact is too long or has control characters.
	ErrInvalidContact = codes.New(Codespace, 3, "invalid contact")
	// ErrInvalidNodeKey: a node key is not an ed25519 key (32 bytes).
	ErrInvalidNodeKey = codes.New(Codespace, 4, "invalid node key")
	// ErrInvalidURL: an endpoint or blob location is not an http(s) URL
	// with a host, or is too long.
	ErrInvalidURL = codes.New(Codespace, 5, "invalid url")
	// ErrInvalidArchitecture: an architecture tag is unknown or listed
	// twice, or a node names neither an architecture nor a BotSpec.
	ErrInvalidArchitecture = codes.New(Codespace, 6, "invalid architecture")
	// ErrInvalidBotSpecHash: a BotSpec hash is not 32 bytes, or is listed
	// twice, or there are too many.
	ErrInvalidBotSpecHash = codes.New(Codespace, 7, "invalid botspec hash")
	// ErrInvalidCapacity: a node's capacity is 0.
	ErrInvalidCapacity = codes.New(Codespace, 8, "invalid capacity")
	// ErrNodeKeyInUse: the node key is registered by another operator.
	ErrNodeKeyInUse = codes.New(Codespace, 9, "node key in use")
	// ErrNoNode: no node has that key.
	ErrNoNode = codes.New(Codespace, 10, "no such node")
	// ErrNotOperator: the signer does not operate the node.
	ErrNotOperator = codes.New(Codespace, 11, "not the node's operator")
	// ErrInvalidEnvelope: the envelope does not decode or breaks a rule of
	// spec.ValidateEnvelopeFields.
	ErrInvalidEnvelope = codes.New(Codespace, 12, "invalid envelope")
	// ErrBadAuthorSignature: the author's key is not 32 bytes or its
	// signature does not verify over the envelope bytes.
	ErrBadAuthorSignature = codes.New(Codespace, 13, "bad author signature")
	// ErrNotAuthor: the envelope's author is not the address of the
	// author's key, or not the signer.
	ErrNotAuthor = codes.New(Codespace, 14, "not the package's author")
	// ErrPackageExists: the package id is registered already.
	ErrPackageExists = codes.New(Codespace, 15, "package already registered")
	// ErrUnknownSkill: the envelope's skill is not in the skill tree.
	ErrUnknownSkill = codes.New(Codespace, 16, "unknown skill")
	// ErrNoParent: the envelope's parent is not a registered package.
	ErrNoParent = codes.New(Codespace, 17, "no such parent")
	// ErrVersionHijack: the parent has another name or another author.
	ErrVersionHijack = codes.New(Codespace, 18, "package version hijack")
	// ErrNameTaken: a package without parent reuses a name registered by
	// another author.
	ErrNameTaken = codes.New(Codespace, 19, "package name taken")
	// ErrInvalidSpecSize: spec_size is 0.
	ErrInvalidSpecSize = codes.New(Codespace, 20, "invalid spec size")
	// ErrTooManyLocations: more blob locations than MaxBlobLocations.
	ErrTooManyLocations = codes.New(Codespace, 21, "too many blob locations")
	// ErrNoPackage: the package id is not registered.
	ErrNoPackage = codes.New(Codespace, 22, "no such package")
	// ErrInvalidPrice: a price is 0.
	ErrInvalidPrice = codes.New(Codespace, 23, "invalid price")
	// ErrInvalidLeadTime: a lead time is 0.
	ErrInvalidLeadTime = codes.New(Codespace, 24, "invalid lead time")
	// ErrNotVendor: the signer has no profile with the vendor role.
	ErrNotVendor = codes.New(Codespace, 25, "not a vendor")
	// ErrNoOffering: the signer has no offering of the package.
	ErrNoOffering = codes.New(Codespace, 26, "no such offering")
	// ErrInvalidPackageID: a package id is not 32 bytes.
	ErrInvalidPackageID = codes.New(Codespace, 27, "invalid package id")
	// ErrBadNodeSignature: an announcement's node_signature is missing or
	// does not verify under the node key (NodeKeyProofBytes).
	ErrBadNodeSignature = codes.New(Codespace, 28, "bad node key signature")
	// ErrRoyaltyTooHigh: a package's royalty is above max_royalty_bps.
	ErrRoyaltyTooHigh = codes.New(Codespace, 29, "royalty too high")
	// ErrNodeUnusable: an offering's node is not an active node of the
	// vendor.
	ErrNodeUnusable = codes.New(Codespace, 30, "node not usable")
	// ErrStakeTooLow: an offering's stake is below the minimum.
	ErrStakeTooLow = codes.New(Codespace, 31, "stake too low")
	// ErrNoLocation: a package names no blob location, so no node could
	// fetch its bytes.
	ErrNoLocation = codes.New(Codespace, 32, "no blob location")
	// ErrInvalidPriceList: a node's price list has a zero minimum, too
	// many per-package prices, a package id that is not 32 bytes, or
	// package ids out of order or listed twice (ValidatePriceList).
	ErrInvalidPriceList = codes.New(Codespace, 33, "invalid price list")
	// ErrNoPriceList: a node publishes no price list, so it has no asking
	// price (AskingPrice).
	ErrNoPriceList = codes.New(Codespace, 34, "no price list")
	// ErrPriceOverflow: an asking price does not fit in a uint64
	// (AskingPrice).
	ErrPriceOverflow = codes.New(Codespace, 35, "price overflow")
	// ErrOfferingBotSpec: an offering of a protocol package names no
	// BotSpec (botspec_id), or one its node did not announce; or an
	// offering of a compute package names one.
	ErrOfferingBotSpec = codes.New(Codespace, 36, "offering botspec does not fit")
)

// Codes lists the codes of codespace "registry" in number order.
func Codes() []codes.Code {
	return []codes.Code{ErrInvalidName, ErrInvalidRole, ErrInvalidContact, ErrInvalidNodeKey, ErrInvalidURL,
		ErrInvalidArchitecture, ErrInvalidBotSpecHash, ErrInvalidCapacity, ErrNodeKeyInUse, ErrNoNode,
		ErrNotOperator, ErrInvalidEnvelope, ErrBadAuthorSignature, ErrNotAuthor, ErrPackageExists,
		ErrUnknownSkill, ErrNoParent, ErrVersionHijack, ErrNameTaken, ErrInvalidSpecSize,
		ErrTooManyLocations, ErrNoPackage, ErrInvalidPrice, ErrInvalidLeadTime, ErrNotVendor,
		ErrNoOffering, ErrInvalidPackageID, ErrBadNodeSignature, ErrRoyaltyTooHigh, ErrNodeUnusable,
		ErrStakeTooLow, ErrNoLocation, ErrInvalidPriceList, ErrNoPriceList, ErrPriceOverflow,
		ErrOfferingBotSpec}
}
