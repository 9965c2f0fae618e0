// Package config reads and writes a fulfillment node's configuration, the
// file node.toml in the node's home directory.
//
// # Use
//
//  1. First run: config.Write(home, config.Default(home)) writes a file
//     with every key at its default, to be edited by the operator.
//  2. Start: cfg, err := config.Load(home) reads HOME/node.toml. A key that
//     is absent keeps its default; a key that is not known is an error, so
//     that a misspelt key is not silently ignored.
//     Parse(home, text) does the same on text already read.
//  3. Load validates: an error names the key, its value and the rule it
//     breaks, e.g. "node.toml: capacity 0: must be at least 1".
//
// # Defaults
//
//	node_key_file           node_key.json (in the home)
//	operator_key            "operator"
//	chain_rpc               http://127.0.0.1:26657
//	listen                  127.0.0.1:26680
//	endpoint                http://127.0.0.1:26680
//	architectures           ["wasm32-wasip1"]
//	capacity                2
//	input_wait_blocks       10
//	data_dir                data (in the home)
//	allow_private_fetch     false (fetch from public addresses only)
//	max_input_bytes         268435456 (256 MiB, one input file)
//	max_order_input_bytes   1073741824 (1 GiB, the inputs of one order)
//	max_concurrent_uploads  8
//	max_connections         1024
//	min_transfer_bytes_per_second 65536 (64 KiB/s)
//	max_package_bytes       104857600 (100 MiB)
//	fetch_workers           4
//	blob_quota_bytes        17179869184 (16 GiB)
//	package_cache_bytes     2147483648 (2 GiB)
//	retention_blocks        14400
//	[pricing] base          5000 ucell per order (DefaultPrice: covers the
//	                        provider's fees and the highest royalty at the
//	                        ledger's default params)
//	[pricing] minimum       5000 ucell
//	[pricing] floor         0 (no price below the asking price)
//	[pricing] per_input_mib 0 ucell per MiB of input, per_package empty,
//	                        stake_ratio_margin_bps 0
//	[verifier]              enabled = false, stake = 0
//	miner_url               "" (no reputation proofs in bids)
//	[[bots]]                none (the node runs compute packages only)
//
// # Bots
//
// Each [[bots]] entry is one bot of the node, on which it runs protocol
// packages:
//
//	[[bots]]
//	botspec = "botspecs/simlab.json"   # the bot's BotSpec (JSON)
//	driver  = "labsim"                 # node/bot's driver that runs it
//
// The driver must be one of node/bot.Names() (Validate refuses another,
// naming bots[i].driver); the node reads and validates the BotSpec when
// it starts.
//
// # Paths
//
// node_key_file, data_dir and a bot's botspec may be relative: Load joins them to the home,
// and Write stores a path inside the home relative to it, so a home can be
// moved as a whole.
package config
