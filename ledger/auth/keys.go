package auth

import (
	"github.com/celltonomy/celltonomy/ledger/address"
)

// State keys of the auth module. Every key starts with "auth/".
//
//	"auth/account/" ‖ address (20 bytes)  →  ledgerpb.Account; absent until the address's first accepted transaction
const prefixAccount = "auth/account/"

// AccountKey returns the state key of addr's Account. It allocates the
// key only: every transaction reads and writes its signer's account.
func AccountKey(addr address.Address) []byte {
	return append(append(make([]byte, 0, len(prefixAccount)+address.Size), prefixAccount...), addr[:]...)
}

// AccountPrefix returns the prefix shared by every account key.
func AccountPrefix() []byte { return []byte(prefixAccount) }
