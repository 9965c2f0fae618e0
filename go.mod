module github.com/celltonomy/celltonomy

go 1.26.0

require (
	github.com/BurntSushi/toml v1.6.0
	github.com/Masterminds/semver/v3 v3.5.0
	golang.org/x/crypto v0.58.0
	google.golang.org/protobuf v1.36.12
)

require golang.org/x/sys v0.49.0 // indirect

tool google.golang.org/protobuf/cmd/protoc-gen-go
