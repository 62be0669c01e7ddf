package cli

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"sync"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/netpolc/netpolc/intent"
	"github.com/netpolc/netpolc/internal/config"
	"github.com/netpolc/netpolc/internal/gate"
	"github.com/netpolc/netpolc/internal/gitrev"
)

// verifyCache is the cache of verified states for this run (gate.Cache),
// nil when it cannot be set up: verify then runs in full, as with
// --no-cache.
func verifyCache(cmd *cobra.Command, args []string, cfg *config.Config, inventory []string) *gate.Cache {
	build := buildIdentity()
	repo, err := gitrev.Open(".")
	if build == "" || err != nil {
		return nil
	}
	gitDir, err := repo.GitDir()
	if err != nil {
		return nil
	}
	cwd, err := repo.Rel(".")
	if err != nil {
		return nil
	}
	c := &gate.Cache{File: filepath.Join(gitDir, "netpolc", "verify-cache"), Build: build}
	var ctx strings.Builder
	fmt.Fprintf(&ctx, "cwd %q\nargs %q\nenv %s=%q\n", cwd, args, intent.LimitsEnv, os.Getenv(intent.LimitsEnv))
	cmd.Flags().Visit(func(f *pflag.Flag) {
		if f.Name != "no-cache" {
			fmt.Fprintf(&ctx, "flag %s=%q\n", f.Name, f.Value.String())
		}
	})
	c.Context = ctx.String()
	// netpolc.yaml is looked for from the working directory up to the
	// root (config.FindWith): where it is absent counts too.
	for dir := cwd; ; dir = filepath.ToSlash(filepath.Dir(dir)) {
		c.Inputs = append(c.Inputs, strings.TrimPrefix(filepath.ToSlash(filepath.Join(dir, config.FileName)), "./"))
		if dir == "." || dir == "/" {
			break
		}
	}
	if len(inventory) == 0 {
		inventory = cfg.Inventory
	}
	for _, p := range inventory {
		rel, err := repo.Rel(p)
		if err != nil {
			return nil
		}
		c.Inputs = append(c.Inputs, rel)
	}
	return c
}

// buildIdentity names this netpolc binary: the Go toolchain's record of
// a build from a clean git revision (module, revision, settings,
// dependencies), else a hash of the executable itself; "" when neither
// is known.
var buildIdentity = sync.OnceValue(func() string {
	bi, ok := debug.ReadBuildInfo()
	if ok && slices.ContainsFunc(bi.Settings, func(s debug.BuildSetting) bool { return s.Key == "vcs.modified" && s.Value == "false" }) {
		sum := sha256.Sum256([]byte(bi.String()))
		return "build " + hex.EncodeToString(sum[:])
	}
	exe, err := os.Executable()
	if err != nil {
		return ""
	}
	f, err := os.Open(exe)
	if err != nil {
		return ""
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return ""
	}
	return "executable " + hex.EncodeToString(h.Sum(nil))
})
