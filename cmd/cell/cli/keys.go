package cli

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/celltonomy/celltonomy/client/keyring"
)

// envPassphrase names the environment variable that gives a keyring
// passphrase to scripts and tests.
const envPassphrase = "CELL_KEYRING_PASSPHRASE"

// maxExportSize bounds what `cell keys import` reads; an export is under
// 1 KiB.
const maxExportSize = 64 << 10

func newKeysCmd(g *globals) *cobra.Command {
	p := &passphrases{g: g}
	cmd := &cobra.Command{
		Use:   "keys",
		Short: "Manage the account keys in the keyring under <home>/keys",
		Long: `Keys manages ed25519 account keys, one file per key under <home>/keys. A key's
address ("cell1…") is the bech32 form of the first 20 bytes of the SHA-256 of
its public key.

A key's private part is encrypted with a passphrase (scrypt, then
XChaCha20-Poly1305), unless it was made with --dev: a development key is
stored in plain text, fit only for a local devnet, and every command that
writes, imports or exports one prints a warning.

Passphrases are read, in this order, from the first line of
--passphrase-file FILE, from the environment variable ` + envPassphrase + `,
or from the terminal without echo when stdin is a terminal. A new passphrase
typed at the terminal is asked twice.`,
		Example: `  cell keys add alice
  cell keys add validator-0 --dev
  cell keys list
  cell keys show alice --address
  cell keys export alice --out alice.key
  cell keys import alice2 alice.key
  cell keys delete alice2 --yes`,
	}
	cmd.PersistentFlags().StringVar(&p.file, "passphrase-file", "", "read the passphrase from the first line of FILE")
	cmd.AddCommand(newKeysAddCmd(g, p), newKeysListCmd(g), newKeysShowCmd(g),
		newKeysExportCmd(g, p), newKeysImportCmd(g, p), newKeysDeleteCmd(g))
	return cmd
}

func newKeysAddCmd(g *globals, p *passphrases) *cobra.Command {
	var dev, overwrite bool
	cmd := &cobra.Command{
		Use:   "add NAME [--dev] [--overwrite]",
		Short: "Create a new key",
		Long: `Add creates a new random key named NAME and prints its address. NAME is 1 to
64 characters of a-z, 0-9, '.', '_' and '-', starting with a letter or digit.

The private key is encrypted with a passphrase; with --dev it is stored
unencrypted, for local development only. There is no recovery phrase: back the
key up with 'cell keys export'.`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			kr, name, err := openKey(g, args[0], !overwrite)
			if err != nil {
				return err
			}
			var pass []byte
			if !dev {
				if pass, err = p.read(cmd, fmt.Sprintf("Passphrase for the new key %s: ", name), true); err != nil {
					return err
				}
			}
			info, err := kr.Add(name, pass, overwriteOpt(overwrite)...)
			if err != nil {
				return err
			}
			if dev {
				warnUnencrypted(g, kr, info)
			} else {
				fmt.Fprintf(g.stderr, "cell: created key %s; back it up with 'cell keys export %s --out FILE': a lost key cannot be recovered\n", name, name)
			}
			return printKey(g, info)
		},
	}
	cmd.Flags().BoolVar(&dev, "dev", false, "store the key unencrypted, for local development only")
	cmd.Flags().BoolVar(&overwrite, "overwrite", false, "replace an existing key of the same name (it is lost unless exported)")
	return cmd
}

func newKeysListCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List the keys, sorted by name",
		Args:  exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			kr, err := keyring.Open(keyring.Dir(g.home))
			if err != nil {
				return err
			}
			infos, err := kr.List()
			if err != nil {
				return err
			}
			if g.output == outputJSON {
				out := []keyJSON{}
				for _, in := range infos {
					out = append(out, toKeyJSON(in))
				}
				return g.json("key", out)
			}
			if len(infos) == 0 {
				fmt.Fprintf(g.stderr, "cell: no keys in %s; create one with 'cell keys add NAME'\n", kr.Dir())
				return nil
			}
			w := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "NAME\tADDRESS\tENCRYPTED")
			for _, in := range infos {
				fmt.Fprintf(w, "%s\t%s\t%s\n", in.Name, in.Address, encryptedText(in))
			}
			return w.Flush()
		},
	}
}

func newKeysShowCmd(g *globals) *cobra.Command {
	var addrOnly bool
	cmd := &cobra.Command{
		Use:   "show NAME [--address]",
		Short: "Print a key's address and public key",
		Long:  "Show prints a key's name, address, public key (hex) and whether it is encrypted. With --address it prints only the address, whatever --output says.",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			kr, name, err := openKey(g, args[0], false)
			if err != nil {
				return err
			}
			info, err := kr.Show(name)
			if err != nil {
				return err
			}
			if addrOnly {
				_, err := fmt.Fprintln(g.stdout, info.Address)
				return err
			}
			return printKey(g, info)
		},
	}
	cmd.Flags().BoolVar(&addrOnly, "address", false, "print only the address")
	return cmd
}

func newKeysExportCmd(g *globals, p *passphrases) *cobra.Command {
	var out string
	var encrypt bool
	cmd := &cobra.Command{
		Use:   "export NAME [--out FILE] [--encrypt]",
		Short: "Write a key as an armored block, to import it elsewhere",
		Long: `Export writes the key NAME as a "CELL PRIVATE KEY" PEM block to stdout, or to
--out FILE (created with mode 0600; an existing file is not overwritten).

The export of an encrypted key is encrypted the same way: asked for the key's
passphrase, it checks it, and the same passphrase opens the export. The export
of a development key is in plain text, unless --encrypt asks for a new
passphrase to encrypt it with.`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			kr, name, err := openKey(g, args[0], false)
			if err != nil {
				return err
			}
			info, err := kr.Show(name)
			if err != nil {
				return err
			}
			var pass []byte
			switch {
			case info.Encrypted:
				pass, err = p.read(cmd, fmt.Sprintf("Passphrase of key %s: ", name), false)
			case encrypt:
				pass, err = p.read(cmd, fmt.Sprintf("Passphrase for the export of %s: ", name), true)
			}
			if err != nil {
				return err
			}
			data, err := kr.Export(name, pass)
			if err != nil {
				return err
			}
			if !info.Encrypted {
				warnUnencrypted(g, kr, info)
				if pass == nil {
					fmt.Fprintf(g.stderr, "WARNING: the export of key %s is not encrypted either: anyone who reads it can spend from %s\n", name, info.Address)
				}
			}
			if out == "" || out == "-" {
				_, err := g.stdout.Write(data)
				return err
			}
			if err := writeNewFile(out, data); err != nil {
				return err
			}
			fmt.Fprintf(g.stderr, "cell: exported key %s (%s) to %s\n", name, info.Address, out)
			return nil
		},
	}
	cmd.Flags().StringVarP(&out, "out", "o", "", "file to write (default stdout)")
	cmd.Flags().BoolVar(&encrypt, "encrypt", false, "encrypt the export of a development key with a new passphrase")
	return cmd
}

func newKeysImportCmd(g *globals, p *passphrases) *cobra.Command {
	var dev, overwrite bool
	cmd := &cobra.Command{
		Use:   "import NAME FILE [--dev] [--overwrite]",
		Short: "Add a key from an export or a key file",
		Long: `Import adds the key in FILE under the name NAME. FILE is the output of
'cell keys export' or a key file from another keyring; "-" reads stdin.

An encrypted export is opened with its passphrase and stored encrypted with
it. An unencrypted one is encrypted with a new passphrase, unless --dev
stores it unencrypted, for local development only.`,
		Args: exactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			kr, name, err := openKey(g, args[0], !overwrite)
			if err != nil {
				return err
			}
			data, err := readExport(cmd, args[1])
			if err != nil {
				return err
			}
			in, err := keyring.InspectExport(data)
			if err != nil {
				return fmt.Errorf("%s: %w", args[1], err)
			}
			var pass []byte
			switch {
			case in.Encrypted && dev:
				return &usageError{fmt.Errorf("--dev: %s holds an encrypted key; import it without --dev", args[1])}
			case in.Encrypted:
				pass, err = p.read(cmd, fmt.Sprintf("Passphrase of the export in %s: ", args[1]), false)
			case !dev:
				pass, err = p.read(cmd, fmt.Sprintf("Passphrase for key %s: ", name), true)
			}
			if err != nil {
				return err
			}
			info, err := kr.Import(name, data, pass, overwriteOpt(overwrite)...)
			if err != nil {
				return err
			}
			if dev {
				warnUnencrypted(g, kr, info)
			}
			return printKey(g, info)
		},
	}
	cmd.Flags().BoolVar(&dev, "dev", false, "store an unencrypted export unencrypted, for local development only")
	cmd.Flags().BoolVar(&overwrite, "overwrite", false, "replace an existing key of the same name (it is lost unless exported)")
	return cmd
}

func newKeysDeleteCmd(g *globals) *cobra.Command {
	var yes bool
	cmd := &cobra.Command{
		Use:   "delete NAME [--yes]",
		Short: "Delete a key for good",
		Long: `Delete removes the key NAME. Unless --yes is given it asks for confirmation,
which needs stdin to be a terminal. A deleted key cannot be recovered except
from an export.`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			kr, name, err := openKey(g, args[0], false)
			if err != nil {
				return err
			}
			info, err := kr.Show(name)
			if err != nil {
				return err
			}
			if !yes {
				tty, ok := terminal(cmd)
				if !ok {
					return &usageError{errors.New("delete: stdin is not a terminal to confirm on; pass --yes")}
				}
				fmt.Fprintf(g.stderr, "Delete key %s (%s)? It cannot be recovered without an export. [y/N] ", name, info.Address)
				answer, _ := bufio.NewReader(tty).ReadString('\n')
				if a := strings.ToLower(strings.TrimSpace(answer)); a != "y" && a != "yes" {
					return errors.New("key not deleted")
				}
			}
			if err := kr.Delete(name); err != nil {
				return err
			}
			fmt.Fprintf(g.stderr, "cell: deleted key %s (%s)\n", name, info.Address)
			return nil
		},
	}
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "delete without asking")
	return cmd
}

// openKey opens the keyring of the home and checks the key name argument; a
// bad name is a usage error. With mustBeNew, a key of that name already
// being there is an error, reported before any passphrase is asked.
func openKey(g *globals, name string, mustBeNew bool) (*keyring.Keyring, string, error) {
	if err := keyring.ValidateName(name); err != nil {
		return nil, "", &usageError{err}
	}
	kr, err := keyring.Open(keyring.Dir(g.home))
	if err != nil {
		return nil, "", err
	}
	if mustBeNew {
		_, err := kr.Show(name)
		switch {
		case err == nil:
			return nil, "", fmt.Errorf("key %s already exists in %s; pass --overwrite to replace it", name, kr.Dir())
		case !errors.Is(err, keyring.ErrNotFound):
			return nil, "", err
		}
	}
	return kr, name, nil
}

func overwriteOpt(overwrite bool) []keyring.Option {
	if overwrite {
		return []keyring.Option{keyring.Overwrite()}
	}
	return nil
}

// warnUnencrypted prints the warning every command that writes, imports,
// exports or signs with an unencrypted development key owes its user.
func warnUnencrypted(g *globals, kr *keyring.Keyring, info keyring.Info) {
	fmt.Fprintf(g.stderr, "WARNING: key %s is stored unencrypted in %s; use it only for local development\n", info.Name, kr.Path(info.Name))
}

// keyJSON is the JSON shape of a key in `cell keys add|import|list|show`.
type keyJSON struct {
	Name      string `json:"name"`
	Address   string `json:"address"`
	PublicKey string `json:"public_key"`
	Encrypted bool   `json:"encrypted"`
}

func toKeyJSON(in keyring.Info) keyJSON {
	return keyJSON{Name: in.Name, Address: in.Address.String(), PublicKey: hex.EncodeToString(in.PublicKey), Encrypted: in.Encrypted}
}

func encryptedText(in keyring.Info) string {
	if in.Encrypted {
		return "yes"
	}
	return "NO (development key)"
}

// printKey prints one key as text rows or as a keyJSON object.
func printKey(g *globals, in keyring.Info) error {
	if g.output == outputJSON {
		return g.json("key", toKeyJSON(in))
	}
	w := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintf(w, "name\t%s\n", in.Name)
	fmt.Fprintf(w, "address\t%s\n", in.Address)
	fmt.Fprintf(w, "public key\t%x\n", []byte(in.PublicKey))
	fmt.Fprintf(w, "encrypted\t%s\n", encryptedText(in))
	return w.Flush()
}

// readExport reads an export from path, or from stdin when path is "-".
func readExport(cmd *cobra.Command, path string) ([]byte, error) {
	var r io.Reader = cmd.InOrStdin()
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	data, err := io.ReadAll(io.LimitReader(r, maxExportSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxExportSize {
		return nil, fmt.Errorf("%s: larger than %d bytes; not a key export", path, maxExportSize)
	}
	return data, nil
}

// writeNewFile writes data to a new file of mode 0600, refusing to replace
// an existing one.
func writeNewFile(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(path)
		return err
	}
	return f.Close()
}

// terminal returns stdin when it is a terminal.
func terminal(cmd *cobra.Command) (*os.File, bool) {
	f, ok := cmd.InOrStdin().(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil, false
	}
	return f, true
}

// passphrases reads keyring passphrases from --passphrase-file, the
// environment or the terminal, in that order.
type passphrases struct {
	g    *globals
	file string // --passphrase-file
}

// read returns a passphrase; at the terminal it shows prompt on stderr and,
// with confirm, asks a second time and checks both agree. It returns a usage
// error when there is no source.
func (p *passphrases) read(cmd *cobra.Command, prompt string, confirm bool) ([]byte, error) {
	if p.file != "" {
		data, err := os.ReadFile(p.file)
		if err != nil {
			return nil, fmt.Errorf("--passphrase-file: %w", err)
		}
		line, _, _ := bytes.Cut(data, []byte("\n"))
		line = bytes.TrimSuffix(line, []byte("\r"))
		if len(line) == 0 {
			return nil, fmt.Errorf("--passphrase-file %s: the first line is empty", p.file)
		}
		return line, nil
	}
	if v := os.Getenv(envPassphrase); v != "" {
		return []byte(v), nil
	}
	tty, ok := terminal(cmd)
	if !ok {
		return nil, &usageError{fmt.Errorf("no passphrase: stdin is not a terminal; set %s or pass --passphrase-file FILE", envPassphrase)}
	}
	ask := func(prompt string) ([]byte, error) {
		fmt.Fprint(p.g.stderr, prompt)
		pass, err := term.ReadPassword(int(tty.Fd()))
		fmt.Fprintln(p.g.stderr)
		if err != nil {
			return nil, fmt.Errorf("reading the passphrase: %w", err)
		}
		return pass, nil
	}
	pass, err := ask(prompt)
	if err != nil {
		return nil, err
	}
	if len(pass) == 0 && confirm {
		return nil, errors.New("empty passphrase; use --dev for an unencrypted development key")
	}
	if len(pass) == 0 {
		return nil, errors.New("empty passphrase")
	}
	if confirm {
		again, err := ask("Repeat the passphrase: ")
		if err != nil {
			return nil, err
		}
		if !bytes.Equal(pass, again) {
			return nil, errors.New("the passphrases differ")
		}
	}
	return pass, nil
}
