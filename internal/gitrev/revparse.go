package gitrev

import (
	"fmt"
	"strings"

	"github.com/netpolc/netpolc/internal/diag"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// The revision forms netpolc reads are the ones go-git resolves exactly as
// git does: a ref name or a (short) commit hash, or "@" for HEAD, followed
// by any number of ~N, ^N and ^ steps. go-git's parser accepts more —
// reflog entries (main@{1}), trees and paths (main^{tree}, HEAD:dir),
// searches — and silently resolves them to the tip: a gate that checks
// the wrong commit passes what it should fail, so they are refused.
func checkRevision(rev string) error {
	hint := "give a commit: HEAD, a branch, a tag or a hash, optionally followed by ~N or ^N (see git rev-parse)"
	switch {
	case strings.Contains(rev, "@{"):
		hint = "reflog entries (NAME@{N}) are not read: they are local to one clone and go-git cannot resolve them; give the commit's hash (git rev-parse '" + rev + "')"
	case strings.Contains(rev, ":") || strings.Contains(rev, "^{"):
		hint = "a tree, a path or a peeled object is not a commit; " + hint
	case strings.Contains(rev, ".."):
		hint = "a range is not one commit; " + hint
	default:
		base, _, ok := splitAncestry(rev)
		if ok && validName(base) {
			return nil
		}
	}
	return refused(rev, hint)
}

// validName reports whether s is a ref name or hash netpolc accepts: git's
// check-ref-format rules, tightened to ASCII, and never an option.
func validName(s string) bool {
	if s == "@" {
		return true
	}
	if s == "" || s[0] == '-' || s[0] == '/' || strings.HasSuffix(s, "/") || strings.HasSuffix(s, ".lock") ||
		strings.Contains(s, "..") || strings.Contains(s, "//") || strings.Contains(s, "/.") || s[0] == '.' {
		return false
	}
	for _, c := range s {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("._-/+", c)
		if !ok {
			return false
		}
	}
	return true
}

// refused is a revision netpolc refuses to read, as a diagnostic (exit 2).
func refused(rev, hint string) error {
	return &diag.Diagnostic{Severity: diag.Error, Msg: fmt.Sprintf("%v %q", ErrUnknownRevision, rev), Hint: hint, Err: ErrUnknownRevision}
}

// checkAmbiguous refuses a name git and go-git would resolve differently:
// a short hash that several commits share (git refuses it, go-git takes
// one), and a name that is both a ref and a hash prefix (go-git prefers
// the hash, git the ref for short names).
func (r *Repo) checkAmbiguous(base string) error {
	if !isHex(base) || len(base) < 4 || len(base) > 40 {
		return nil
	}
	matches := 0
	if len(base) < 40 {
		iter, err := r.git.CommitObjects()
		if err != nil {
			return err
		}
		_ = iter.ForEach(func(c *object.Commit) error {
			if strings.HasPrefix(c.Hash.String(), base) {
				matches++
			}
			return nil
		})
	}
	refs := 0
	for _, name := range []string{base, "refs/" + base, "refs/tags/" + base, "refs/heads/" + base, "refs/remotes/" + base} {
		if _, err := r.git.Reference(plumbing.ReferenceName(name), true); err == nil {
			refs++
		}
	}
	if matches > 1 || (matches > 0 && refs > 0) {
		return refused(base, "it is ambiguous (several commits, or a commit and a ref, match it): give the full hash or refs/heads/NAME")
	}
	return nil
}

func isHex(s string) bool {
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return s != ""
}
