// Package chain runs the ledger on CometBFT: the ABCI 2.0 adapter over an
// IAVL tree on disk (Application), an in-process node (Start), and the
// files of a node's home (InitHome, WriteGenesis, Testnet).
//
// A home directory is CometBFT's, plus the ledger's state:
//
//	HOME/config/config.toml            CometBFT configuration
//	HOME/config/genesis.json           genesis; app_state is the ledger genesis
//	HOME/config/node_key.json          p2p identity
//	HOME/config/priv_validator_key.json consensus key (ed25519)
//	HOME/data/                         CometBFT block store and state
//	HOME/data/ledger.db/               the ledger's IAVL tree (goleveldb)
//	HOME/keys/                         the account keyring (client/keyring)
//
// Version v of the IAVL tree is the state after block v, and its root is
// the app hash CometBFT records in block v+1. Nothing in this package
// decides anything about the ledger: it moves bytes between CometBFT, the
// tree and ledger/app.
package chain
