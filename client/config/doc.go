// Package config reads and writes the cell configuration file and resolves
// the settings every cell command shares: the home directory, the chain
// node, the signing key, the reputation miner and the trust root of
// proven reads.
//
// # The file
//
// The file is BASE/config.toml, where BASE is the base directory ~/.cell
// (BaseDir). It names the active profile and holds profiles, each a table
// of settings; every key is optional:
//
//	profile = "devnet"                   # the active profile (default "default")
//
//	[profiles.devnet]
//	home = "/home/ana/.cell/devnet"      # the cell home: keys, orders, caches, chain data
//	node = "http://127.0.0.1:26657"      # CometBFT RPC URL of the chain node commands talk to
//	key = "buyer"                        # keyring key that signs: the default --from
//	miner = "http://127.0.0.1:26690"     # HTTP API of a reputation miner (cell rep show)
//	trust = "1:9A0F…"                    # HEIGHT:HASH of a block header proven reads start from
//
// A home is an absolute path or starts with "~/"; node and miner are
// http(s) URLs; a key is a keyring key name (client/keyring), which need
// not exist yet; a trust is a block height ≥ 1 and its header's hash in 64
// hex digits (client.TrustRoot: the header CometBFT's light client verifies
// every later header from; without one a command trusts the node's latest
// header at its first proven read). A profile name is 1 to 64 characters of A-Z, a-z, 0-9,
// '_' and '-', starting with a letter or a digit. The profile "default"
// always exists, empty unless the file defines it. A missing file is an
// empty one; unknown keys are errors, so that a typo is not ignored.
//
// Load reads the file and Save writes it (creating BASE, mode 0700, and
// the file, mode 0600, atomically). Save rewrites the whole file: comments
// written by hand are not kept. Nothing is created by reading.
//
// # Resolution
//
// Resolve gives each setting the first value found in this order:
//
//  1. its flag: --home, --node, --from (the key), --miner or --trust;
//  2. its environment variable: CELL_HOME, CELL_NODE, CELL_KEY,
//     CELL_MINER or CELL_TRUST;
//  3. the selected profile: the one named by --profile, else by
//     CELL_PROFILE, else by the file's profile, else "default";
//  4. the built-in default: the home is BASE; the node is the RPC address
//     in the home's CometBFT config (HOME/config/config.toml), else
//     http://127.0.0.1:26657; the key and the miner are the command's own
//     (Input.Defaults); there is no default trust.
//
// A profile's trust is used only with the profile's own node: a node given
// by a flag or the environment may be of another chain.
//
// A profile describes one home. The profile the file makes active is set
// aside when --home or CELL_HOME names another directory than the
// profile's home (BASE when it names none), so that
// `cell status --home /tmp/testnet/node0` talks to that node and not to
// the profile's; a profile chosen by --profile or CELL_PROFILE is always
// used. Resolved says where every value came from, and why a profile was
// set aside (cell config show prints it).
//
// A leading "~/" of a home, from any source, is the user's home directory.
// Empty flags and variables count as not given.
package config
