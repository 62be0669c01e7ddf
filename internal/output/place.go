package output

import (
	"path/filepath"
	"strings"

	"github.com/netpolc/netpolc/internal/diag"
	"github.com/netpolc/netpolc/internal/worktree"
)

// CheckPlace checks that out is a place for generated files, the same
// rule for every command (build writes there, verify checks it):
//
//   - inside the git work tree holding the current directory, where
//     netpolc.yaml is looked for (outside a work tree: inside the
//     directory of netpolc.yaml when the value comes from it), and not
//     its root;
//   - not inside a .git directory, nor the repository's git directory;
//   - not the intents directory, nor a directory holding it.
//
// Symbolic links in the existing part of each path are resolved first, so
// a link cannot lead the output elsewhere. from is the position of the
// value in netpolc.yaml, or the zero Pos when out was given with -o. The
// error is a *diag.Diagnostic.
func CheckPlace(out, intents string, from diag.Pos) error {
	outAbs, err := resolve(out)
	if err != nil {
		return placeErr(out, from, err.Error())
	}
	intAbs, err := resolve(intents)
	if err != nil {
		return placeErr(out, from, err.Error())
	}
	root, kind, err := placeRoot(from)
	if err != nil {
		return placeErr(out, from, err.Error())
	}
	if msg := rootRule(root, kind, outAbs); msg != "" {
		return placeErr(out, from, msg)
	}
	switch _, holds := worktree.Within(outAbs, intAbs); {
	case outAbs == intAbs:
		return placeErr(out, from, outAbs+" is the intents directory")
	case holds:
		return placeErr(out, from, outAbs+" holds the intents directory "+intAbs)
	}
	return nil
}

// placeRoot is the directory the output must stay in: the work tree
// holding the current directory, else the directory of netpolc.yaml, else
// none ("").
func placeRoot(from diag.Pos) (root, kind string, err error) {
	root, ok, err := worktree.Root(".")
	switch {
	case err != nil:
		return "", "", err
	case ok:
		root, err = resolve(root)
		return root, "the git work tree", err
	case from.File != "":
		root, err = resolve(filepath.Dir(from.File))
		return root, "the directory of " + filepath.Base(from.File), err
	}
	return "", "", nil
}

// rootRule checks out against the root; it returns the problem, or "".
func rootRule(root, kind, out string) string {
	rel := out
	if root != "" {
		var ok bool
		switch rel, ok = worktree.Within(root, out); {
		case !ok:
			return out + " is outside " + kind + " " + root
		case rel == ".":
			return out + " is the root of " + kind + "; generated files need a directory of their own"
		}
		if git, err := worktree.GitDir(root); err == nil {
			if _, in := worktree.Within(git, out); in {
				return out + " is inside the git directory " + git
			}
		}
	}
	for _, part := range strings.Split(rel, string(filepath.Separator)) {
		if strings.EqualFold(part, ".git") {
			return out + " is inside the git directory " + part
		}
	}
	return ""
}

// resolve makes p absolute with the symbolic links in its existing part
// resolved; the part that does not exist yet is appended as written.
func resolve(p string) (string, error) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", err
	}
	var rest []string
	for dir := abs; ; dir = filepath.Dir(dir) {
		real, err := filepath.EvalSymlinks(dir)
		if err == nil {
			return filepath.Join(append([]string{real}, rest...)...), nil
		}
		if !isMissing(err) {
			return "", err
		}
		if filepath.Dir(dir) == dir {
			return abs, nil
		}
		rest = append([]string{filepath.Base(dir)}, rest...)
	}
}

// placeErr is the diagnostic for a refused output place.
func placeErr(out string, from diag.Pos, msg string) error {
	d := &diag.Diagnostic{Severity: diag.Error, Pos: from, Path: "output", Msg: msg,
		Hint: "the output must be a directory of its own inside the repository, outside .git and the intents, e.g. `output: deploy/netpol`"}
	if from.File == "" {
		d.Path = "-o " + out
		d.Hint = "give a directory of its own inside the repository, outside .git and the intents, e.g. -o deploy/netpol"
	}
	return d
}
