package importer

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/netpolc/netpolc/internal/diag"
)

// The intents import checks are never written when they fail, so a
// compile error must not point into them: each position in the generated
// file is moved to the object the entry there came from (the comment
// above every entry names it), which is what the user can change.

var (
	generatedPos = regexp.MustCompile(`[^\s()]*` + regexp.QuoteMeta(FileName) + `:(\d+)(?::\d+)?`)
	objectLine   = regexp.MustCompile(`^\s*// [A-Za-z]+ \S+ \((.*):(\d+):(\d+)\)$`)
)

// relocate rewrites the positions of err's diagnostics that are in src.
func relocate(err error, src []byte) error {
	lines := strings.Split(string(src), "\n")
	origin := func(line int) (diag.Pos, bool) {
		for i := min(line, len(lines)) - 1; i >= 0; i-- {
			if m := objectLine.FindStringSubmatch(lines[i]); m != nil {
				l, _ := strconv.Atoi(m[2])
				c, _ := strconv.Atoi(m[3])
				return diag.Pos{File: m[1], Line: l, Col: c}, true
			}
		}
		return diag.Pos{}, false
	}
	list := diag.Collect(err)
	for i, d := range list {
		c := *d
		if strings.HasSuffix(c.Pos.File, FileName) {
			if p, ok := origin(c.Pos.Line); ok {
				c.Pos = p
			}
		}
		c.Msg = generatedPos.ReplaceAllStringFunc(c.Msg, func(s string) string {
			l, _ := strconv.Atoi(generatedPos.FindStringSubmatch(s)[1])
			if p, ok := origin(l); ok {
				return p.String()
			}
			return s
		})
		c.Msg = "import: the imported intents would not compile, so nothing was written: " + c.Msg
		list[i] = &c
	}
	return list
}
