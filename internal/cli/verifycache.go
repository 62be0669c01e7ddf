package cli

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
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
		if !notCacheContext[f.Name] {
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

// notCacheContext are the flags that do not shape what a recorded state
// says about the head on its own: which snapshots are compared (the key
// holds the head's inputs and the owners map used; a hit needs a base
// with the same inputs), the diff's own check (the diff of a hit is
// empty) and how the report is rendered.
var notCacheContext = map[string]bool{"no-cache": true, "head": true, "base": true, "deny-opened": true,
	"format": true, "color": true, "limit": true}

// buildIdentity names this netpolc binary: the Go toolchain's record of
// it (module, version, git revision, settings, dependencies) when that
// pins the code — a build from a clean git revision, or a module version
// with its checksum (go install …@vX.Y.Z) — else that record with the
// executable's path, size and modification time, which every rebuild
// changes (hashing the 90 MB executable would cost more than a reused
// verify). "" when neither is known: no cache.
var buildIdentity = sync.OnceValue(func() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	sum := sha256.Sum256([]byte(bi.String()))
	id := "build " + hex.EncodeToString(sum[:])
	clean := slices.ContainsFunc(bi.Settings, func(s debug.BuildSetting) bool { return s.Key == "vcs.modified" && s.Value == "false" })
	if clean || (bi.Main.Version != "" && bi.Main.Version != "(devel)" && bi.Main.Sum != "") {
		return id
	}
	exe, err := os.Executable()
	if err != nil {
		return ""
	}
	fi, err := os.Stat(exe)
	if err != nil {
		return ""
	}
	return fmt.Sprintf("%s executable %q %d %d", id, exe, fi.Size(), fi.ModTime().UnixNano())
})
