package config_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/celltonomy/celltonomy/node/config"
)

func ExampleLoad() {
	home, _ := os.MkdirTemp("", "node")
	defer os.RemoveAll(home)
	cfg := config.Default(home)
	cfg.Capacity = 4
	if err := config.Write(home, cfg); err != nil {
		fmt.Println(err)
		return
	}
	got, err := config.Load(home)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(got.Capacity, got.Architectures, got.Pricing.Base)

	os.WriteFile(filepath.Join(home, config.FileName), []byte("capacity = 0\n"), 0o644)
	_, err = config.Load(home)
	fmt.Println(err)
	// Output:
	// 4 [wasm32-wasip1] 5000
	// node.toml: capacity 0: must be at least 1
}
