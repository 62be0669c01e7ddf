package precommit

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"

	"github.com/netpolc/netpolc/internal/atomicfile"
	"github.com/netpolc/netpolc/internal/diag"
	"github.com/netpolc/netpolc/internal/gitrev"
	"github.com/netpolc/netpolc/internal/worktree"
)

// Place is the hooks directory git runs the repository's hooks from.
type Place struct {
	// Dir is the hooks directory (core.hooksPath, else .git/hooks).
	Dir string
	// Shared: Dir is outside this repository (say a global
	// core.hooksPath), so a hook there runs for other repositories too.
	Shared bool
}

// Locate finds the hooks directory of repo.
func Locate(repo *gitrev.Repo) (Place, error) {
	dir, err := repo.HooksDir()
	if err != nil {
		return Place{}, err
	}
	inside := []string{repo.Root()}
	if common, err := repo.GitDir(); err == nil {
		inside = append(inside, common)
	}
	if own, err := worktree.GitDir(repo.Root()); err == nil {
		inside = append(inside, own)
	}
	for _, d := range inside {
		if _, ok := worktree.Within(d, dir); ok {
			return Place{Dir: dir}, nil
		}
	}
	return Place{Dir: dir, Shared: true}, nil
}

// Options say what to install.
type Options struct {
	// Args are the arguments the hook passes to netpolc verify.
	Args []string
	// Dirs are the intents directories whose presence (or netpolc.yaml's)
	// makes the hook check a repository.
	Dirs []string
	// Force replaces a foreign hook, keeping it as a backup that the
	// hook runs first.
	Force bool
	// Global allows a shared hooks directory.
	Global bool
}

// Result tells what Install or Uninstall did.
type Result struct {
	// Path is the hook's path.
	Path string
	// Verb is "installed", "updated", "already installed", "removed" or
	// "not installed".
	Verb string
	// Kept is where Install kept the foreign hook it replaced, and
	// Restored the backup Uninstall put back; "" for none.
	Kept, Restored string
	// Chain is the backup the installed hook runs first ("" for none).
	Chain string
}

// Install writes netpolc's hook into p.Dir. It is idempotent; it refuses a
// shared directory without Global and a foreign hook without Force, and
// never overwrites a backup.
func Install(p Place, o Options) (Result, error) {
	res := Result{Path: filepath.Join(p.Dir, hookName), Verb: "updated"}
	if err := checkShared(p, o.Global, "install"); err != nil {
		return res, err
	}
	cur, mode, err := readHook(res.Path)
	if err != nil {
		return res, err
	}
	hook, ours := recognise(cur)
	res.Chain = hook.Chain
	switch {
	case cur == nil:
		res.Verb = "installed"
	case !ours && !o.Force:
		return res, diag.Errorf("call netpolc verify from it, use --force to replace it (it is kept and run first), or, with the pre-commit framework, add the netpolc-verify hook to .pre-commit-config.yaml",
			"%s exists and netpolc did not write it (or it was edited since)", res.Path)
	case !ours:
		if res.Kept, err = keep(p.Dir, cur, mode); err != nil {
			return res, err
		}
		res.Chain, res.Verb = filepath.Base(res.Kept), "installed"
	case res.Chain == "" && exists(filepath.Join(p.Dir, backupName)):
		// An earlier netpolc replaced this hook without running it.
		res.Chain = backupName
	}
	want := script(o.Args, res.Chain, o.Dirs)
	if bytes.Equal(cur, want) {
		res.Verb = "already installed"
		return res, os.Chmod(res.Path, 0o755)
	}
	if err := os.MkdirAll(p.Dir, 0o755); err != nil {
		return res, err
	}
	return res, atomicfile.WriteFile(res.Path, want, 0o755)
}

// Uninstall removes netpolc's hook from p.Dir and puts back the hook it
// replaced. A foreign hook is never removed.
func Uninstall(p Place, global bool) (Result, error) {
	res := Result{Path: filepath.Join(p.Dir, hookName), Verb: "removed"}
	if err := checkShared(p, global, "uninstall"); err != nil {
		return res, err
	}
	cur, _, err := readHook(res.Path)
	switch {
	case err != nil:
		return res, err
	case cur == nil:
		res.Verb = "not installed"
		return res, nil
	}
	hook, ours := recognise(cur)
	if !ours {
		return res, diag.Errorf("remove it yourself if you mean to", "%s was not written by netpolc (or was edited since); leaving it alone", res.Path)
	}
	if hook.Chain != "" {
		kept := filepath.Join(p.Dir, hook.Chain)
		if fi, err := os.Lstat(kept); err == nil && fi.Mode().IsRegular() {
			res.Restored = kept
			return res, os.Rename(kept, res.Path)
		}
	}
	return res, os.Remove(res.Path)
}

// checkShared refuses a shared hooks directory unless global is set.
func checkShared(p Place, global bool, verb string) error {
	if !p.Shared || global {
		return nil
	}
	return diag.Errorf("pass --global to "+verb+" it there anyway (the hook does nothing in repositories without netpolc), or give this repository its own hooks: git config core.hooksPath .githooks",
		"the hooks directory %s (core.hooksPath) is outside this repository: a hook there runs for every repository that uses it", p.Dir)
}

// readHook reads the hook; nil data when there is none.
func readHook(path string) ([]byte, fs.FileMode, error) {
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, err
	}
	data, err := os.ReadFile(path)
	if data == nil && err == nil {
		data = []byte{}
	}
	return data, fi.Mode().Perm(), err
}

// keep saves a foreign hook under the first free backup name and returns
// its path; an existing backup is never replaced.
func keep(dir string, data []byte, mode fs.FileMode) (string, error) {
	for i := 1; i < 1000; i++ {
		name := backupName
		if i > 1 {
			name += "." + strconv.Itoa(i)
		}
		path := filepath.Join(dir, name)
		err := atomicfile.CreateFile(path, data, mode)
		if err == nil {
			return path, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return "", err
		}
	}
	return "", fmt.Errorf("%s: too many backups of the pre-commit hook; remove the ones not needed", dir)
}

func exists(p string) bool {
	_, err := os.Lstat(p)
	return err == nil
}
