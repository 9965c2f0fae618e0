// Package keyring keeps ed25519 account keys in files under a directory,
// by default <home>/keys (Dir), one file per key, each private key sealed
// with a passphrase or, for a development key, stored in plain text.
//
// # Using it
//
//  1. Open the directory: kr, err := keyring.Open(keyring.Dir(home)).
//     A missing directory is an empty keyring: Open creates nothing, and
//     the first key written creates the directory with mode 0700. Open
//     refuses a directory that other users may read, write or enter.
//  2. Create a key: kr.Add("alice", passphrase) draws a new key from
//     crypto/rand; kr.AddFromSeed("alice", seed, passphrase) derives it from a
//     32-byte seed, for deterministic development and test keys. A nil
//     passphrase stores an unencrypted development key: anyone who can read
//     the file can spend from its address, so use one only on a local devnet.
//     A name is taken once; pass Overwrite() to replace a key on purpose.
//  3. Look keys up without a passphrase: List, Show, Path. Info carries the
//     name, the address (ledger/address, "cell1…"), the public key and
//     whether the private key is encrypted.
//  4. Sign with kr.PrivateKey(name, passphrase). A wrong passphrase returns
//     an error matching ErrWrongPassphrase.
//  5. Move a key between machines with Export and Import; Delete removes a
//     key for good.
//
// Errors that a caller may act on match, with errors.Is, ErrNotFound,
// ErrExists, ErrWrongPassphrase and ErrInvalidName. A Keyring is safe for
// concurrent use: it holds no state besides its directory.
//
// # Names
//
// A key name is 1 to 64 characters of a-z, 0-9, '.', '_' and '-', and starts
// with a letter or a digit (so that no key file is hidden and no name reads
// as a command-line flag). The key named NAME lives in NAME.json.
//
// # Key file format
//
// A key file is a JSON object, mode 0600, written to a temporary file and
// then linked or renamed into place, so that a reader never sees half a key.
// Apart from the random salt and nonce of an encrypted key, the same key and
// name always give the same bytes: there are no timestamps.
//
//	{
//	  "format": "cell-key/1",
//	  "name": "alice",
//	  "address": "cell1…",            // bech32 of sha256(public_key)[:20]
//	  "public_key": "<64 hex digits>",   // the 32-byte ed25519 public key
//	  "crypto": {                        // present when encrypted
//	    "kdf": "scrypt",
//	    "n": 131072, "r": 8, "p": 1,    // scrypt cost parameters
//	    "salt": "<64 hex digits>",       // 32 random bytes
//	    "cipher": "xchacha20-poly1305",
//	    "nonce": "<48 hex digits>",      // 24 random bytes
//	    "ciphertext": "<96 hex digits>"  // sealed 32-byte seed + 16-byte tag
//	  }
//	}
//
// An unencrypted development key has, instead of "crypto",
//
//	"unencrypted": true,
//	"warning": "this private key is stored unencrypted; use it only for local development",
//	"private_key": "<64 hex digits>"    // the 32-byte ed25519 seed
//
// The private key is the 32-byte seed of RFC 8032 (Go's
// ed25519.PrivateKey.Seed); the public key and address are derived from it
// and checked against the file whenever the seed is read.
//
// # Encryption
//
// The passphrase goes through scrypt (RFC 7914) with N = 2^17, r = 8, p = 1
// and a fresh 32-byte salt, which costs 128 MiB of memory and about half a
// second of one core, giving a 32-byte key. That key seals the seed with
// XChaCha20-Poly1305 (golang.org/x/crypto/chacha20poly1305) under a fresh
// 24-byte nonce; the additional data is the format string, a zero byte and
// the public key, so a file whose public key was altered does not open.
// Readers accept other scrypt parameters within bounds (N a power of two up
// to 2^20, r ≤ 32, p ≤ 16, at most 1 GiB of memory), so that the defaults
// can be raised without breaking old files.
//
// # Export format
//
// Export writes a PEM block of type "CELL PRIVATE KEY" (RFC 7468 armor):
// headers Format, Address and Public-Key, and then either the encryption
// headers KDF ("scrypt"), KDF-Params ("n=131072,r=8,p=1"), Salt, Cipher and
// Nonce (hex) with the ciphertext as body, or the header Unencrypted
// ("true") with the 32-byte seed as body. An encrypted export opens with
// the passphrase of the key it came from. The export carries no name: the
// importer chooses one. Import also accepts a key file as written above.
package keyring
