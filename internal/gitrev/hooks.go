package gitrev

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/go-git/go-git/v5/config"

	"github.com/netpolc/netpolc/internal/worktree"
)

// HooksDir is the directory git runs hooks from: core.hooksPath when set
// (relative to the work tree root, "~/" expanded, as git reads it), else
// the hooks folder of the repository's common git directory (shared by
// linked work trees).
func (r *Repo) HooksDir() (string, error) {
	hp, err := r.hooksPath()
	if err != nil {
		return "", err
	}
	if hp != "" {
		if rest, ok := strings.CutPrefix(hp, "~/"); ok {
			home, err := os.UserHomeDir()
			if err != nil {
				return "", fmt.Errorf("core.hooksPath %s: %w", hp, err)
			}
			hp = filepath.Join(home, rest)
		}
		if !filepath.IsAbs(hp) {
			hp = filepath.Join(r.root, hp)
		}
		return filepath.Clean(hp), nil
	}
	gitDir, err := r.GitDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(gitDir, "hooks"), nil
}

// hooksPath reads core.hooksPath: the repository's own setting wins over
// the user's global one (go-git's merged view keeps only the former).
func (r *Repo) hooksPath() (string, error) {
	local, err := r.git.Config()
	if err != nil {
		return "", fmt.Errorf("read git config: %w", err)
	}
	if hp := local.Raw.Section("core").Option("hooksPath"); hp != "" {
		return hp, nil
	}
	global, err := config.LoadConfig(config.GlobalScope)
	if err != nil {
		return "", fmt.Errorf("read global git config: %w", err)
	}
	return global.Raw.Section("core").Option("hooksPath"), nil
}

// GitDir is the repository's common git directory: .git, or for a linked
// work tree the main repository's git directory.
func (r *Repo) GitDir() (string, error) {
	dir, err := worktree.CommonDir(r.root)
	if errors.Is(err, worktree.ErrNoGitDir) {
		return "", fmt.Errorf("%w: %w", ErrNotRepo, err)
	}
	return dir, err
}
