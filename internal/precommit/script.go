// Package precommit writes, recognises and removes netpolc's git
// pre-commit hook. The hook runs the pre-commit hook it replaced (if any)
// first, does nothing in a repository without netpolc, and otherwise runs
// `netpolc verify` on what is staged.
//
// netpolc recognises its own hook exactly: the second line carries a
// version and the sha256 of the rest of the file, so a hook that merely
// mentions netpolc, or netpolc's hook edited by hand, is foreign — never
// replaced without --force and never removed. The hook written by earlier
// versions (no checksum) is recognised by matching it byte for byte.
package precommit

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"strings"
)

// hookName is the hook's file name in the hooks directory.
const hookName = "pre-commit"

// backupName is the name a replaced hook is kept under; later ones get
// ".2", ".3", ... so no backup is ever overwritten.
const backupName = hookName + ".before-netpolc"

// marker starts the second line of the hook: version 2 and the checksum.
const marker = "# netpolc pre-commit hook v2 sha256:"

// Hook is what a recognised netpolc hook says.
type Hook struct {
	// Chain is the base name of the hook it runs first ("" for none).
	Chain string
}

// script is the hook running `netpolc verify args`, running the hook kept
// as chain (a base name in the same directory, "" for none) first, and
// doing nothing in a repository where neither netpolc.yaml nor any of
// dirs (the intents directories) exists on disk, in the index or in HEAD.
func script(args []string, chain string, dirs []string) []byte {
	body := scriptBody(args, chain, dirs)
	return []byte("#!/bin/sh\n" + marker + checksum(body) + "\n" + body)
}

// checksum is the hex sha256 of the hook's text after its marker line.
func checksum(body string) string {
	sum := sha256.Sum256([]byte(body))
	return hex.EncodeToString(sum[:])
}

func scriptBody(args []string, chain string, dirs []string) string {
	var look []string
	for _, d := range append([]string{"netpolc.yaml"}, dirs...) {
		look = append(look, shellQuote(d))
	}
	return `# Written by ` + "`netpolc hook install`" + `: reinstall to update it,
# ` + "`netpolc hook uninstall`" + ` to remove it. Edited, it is no longer
# netpolc's: install and uninstall then leave it alone.
#
# It runs the hook it replaced first (a failure stops the commit), then
# verifies what is staged (not unstaged edits): the generated policies
# match the intents, every guardrail and expect assertion holds. In a
# repository without netpolc (none of the paths below on disk, staged or
# in HEAD) it does nothing. Skip it once with: git commit --no-verify
kept=` + shellQuote(chain) + `
if [ -n "$kept" ] && [ -x "$(dirname "$0")/$kept" ]; then
	"$(dirname "$0")/$kept" "$@" || exit $?
fi
netpolc_here() {
	for p in ` + strings.Join(look, " ") + `; do
		[ -e "$p" ] && return 0
		git cat-file -e "HEAD:$p" 2>/dev/null && return 0
		[ -n "$(git ls-files -- "$p" 2>/dev/null)" ] && return 0
	done
	return 1
}
netpolc_here || exit 0
NETPOLC="${NETPOLC:-netpolc}"
if ! command -v "$NETPOLC" >/dev/null 2>&1; then
	echo "netpolc pre-commit hook: '$NETPOLC' not found; install it (go install github.com/netpolc/netpolc/cmd/netpolc@latest) or set NETPOLC to its path" >&2
	exit 1
fi
exec "$NETPOLC" verify` + quoteArgs(args) + "\n"
}

// recognise reports whether data is a hook netpolc wrote, unchanged, and
// what it says.
func recognise(data []byte) (Hook, bool) {
	first, rest, _ := bytes.Cut(data, []byte("\n"))
	second, body, _ := bytes.Cut(rest, []byte("\n"))
	if sum, ok := bytes.CutPrefix(second, []byte(marker)); ok && string(first) == "#!/bin/sh" {
		if string(sum) != checksum(string(body)) {
			return Hook{}, false
		}
		m := keptLine.FindSubmatch(body)
		if m == nil {
			return Hook{}, false
		}
		chain, ok := shellUnquote(string(m[1]))
		return Hook{Chain: chain}, ok
	}
	return Hook{}, isLegacy(data)
}

// keptLine is the line of a hook naming the hook it chains to.
var keptLine = regexp.MustCompile(`(?m)^kept=(.*)$`)

// legacyPrefix is the hook of netpolc before version 2, up to its
// arguments.
const legacyPrefix = "#!/bin/sh\n# netpolc pre-commit hook: written by `netpolc hook install`.\n" +
	"# Reinstall to update it; `netpolc hook uninstall` removes it.\n#\n" +
	"# It verifies what is staged (not unstaged edits): the generated policies\n" +
	"# match the intents, every guardrail and expect assertion holds.\n" +
	"# Skip it once with: git commit --no-verify\nNETPOLC=\"${NETPOLC:-netpolc}\"\n" +
	"if ! command -v \"$NETPOLC\" >/dev/null 2>&1; then\n" +
	"\techo \"netpolc pre-commit hook: '$NETPOLC' not found; install it (go install github.com/netpolc/netpolc/cmd/netpolc@latest) or set NETPOLC to its path\" >&2\n" +
	"\texit 1\nfi\nexec \"$NETPOLC\" verify"

// legacyArgs is the arguments of a legacy hook as its quoting wrote them.
var legacyArgs = regexp.MustCompile(`^(?: (?:[-_./=,:a-zA-Z0-9]+|'[^']*'(?:\\''[^']*')*))*\n$`)

// isLegacy reports whether data is, byte for byte, a hook an earlier
// netpolc wrote.
func isLegacy(data []byte) bool {
	args, ok := bytes.CutPrefix(data, []byte(legacyPrefix))
	return ok && legacyArgs.Match(args)
}

// quoteArgs renders arguments for sh, each preceded by a space.
func quoteArgs(args []string) string {
	var b strings.Builder
	for _, a := range args {
		b.WriteString(" " + shellQuote(a))
	}
	return b.String()
}

// shellQuote quotes a word for sh: as is when it is plain, else in single
// quotes.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r == '-' || r == '_' || r == '.' || r == '/' || r == '=' || r == ',' || r == ':' ||
			r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// shellUnquote reverses shellQuote for one word; ok is false for anything
// shellQuote would not have written.
func shellUnquote(q string) (string, bool) {
	if !strings.HasPrefix(q, "'") {
		return q, shellQuote(q) == q
	}
	if len(q) < 2 || !strings.HasSuffix(q, "'") {
		return "", false
	}
	s := strings.ReplaceAll(q[1:len(q)-1], `'\''`, "'")
	return s, shellQuote(s) == q
}
