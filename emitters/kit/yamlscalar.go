package kit

import (
	"bytes"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// How yaml.v3 (go.yaml.in/yaml/v3 v3.0.5) prints a string, re-derived
// from its encode.go (stringv: the style asked for), resolve.go (what a
// plain scalar would read back as) and emitterc.go
// (yaml_emitter_analyze_scalar, yaml_emitter_select_scalar_style: the
// style the text allows), for the block context and the encoder netpolc
// uses (unicode on, no line width).

// Scalar styles.
const (
	stylePlain = iota
	styleSingle
	styleDouble
	styleLiteral
)

// scalarInfo is what the emitter's analysis finds in a string.
type scalarInfo struct {
	plainOK, singleOK, blockOK bool
	// multiline: a line break of any kind; lsps: U+2028 or U+2029, breaks
	// this printer writes only inside double quotes.
	multiline, lsps bool
}

// styleOf picks the style yaml.v3 prints s in, as a mapping key (key) or
// a value. ok is false where this printer does not follow yaml.v3: a key
// it would write in the "? " form, a break other than "\n" outside
// double quotes.
func styleOf(s []byte, key bool) (style int, ok bool) {
	in := analyze(s)
	if key && (in.multiline || len(s) > 128) {
		return 0, false // not a simple key
	}
	switch {
	case !key && bytes.IndexByte(s, '\n') >= 0:
		style = styleLiteral
		if !in.blockOK {
			style = styleDouble
		}
	case !plainBytes(s):
		style = styleDouble
	case in.plainOK:
		style = stylePlain
	case in.singleOK:
		style = styleSingle
	default:
		style = styleDouble
	}
	return style, style == styleDouble || !in.lsps
}

// analyze is yaml_emitter_analyze_scalar in the block context, for a
// non-empty string (the empty one is never plain: it reads as null).
func analyze(s []byte) scalarInfo {
	var indicators, breaks, special, tabs, lsps bool
	var leadSpace, leadBreak, trailSpace, trailBreak, breakSpace, spaceBreak bool
	var prevSpace, prevBreak bool
	if len(s) >= 3 && (string(s[:3]) == "---" || string(s[:3]) == "...") {
		indicators = true
	}
	precededByWS := true
	for i, w := 0, 0; i < len(s); i += w {
		w = runeWidth(s[i])
		followedByWS := i+w >= len(s) || s[i+w] == ' ' || s[i+w] == '\t'
		if indicator(s[i], i == 0, precededByWS, followedByWS) {
			indicators = true
		}
		isBreak := breakAt(s, i)
		switch {
		case s[i] == '\t':
			tabs = true
		case !printableAt(s, i):
			special = true
		}
		last := i+w == len(s)
		switch {
		case s[i] == ' ':
			leadSpace = leadSpace || i == 0
			trailSpace = trailSpace || last
			breakSpace = breakSpace || prevBreak
			prevSpace, prevBreak = true, false
		case isBreak:
			breaks = true
			lsps = lsps || s[i] == 0xE2
			leadBreak = leadBreak || i == 0
			trailBreak = trailBreak || last
			spaceBreak = spaceBreak || prevSpace
			prevSpace, prevBreak = false, true
		default:
			prevSpace, prevBreak = false, false
		}
		precededByWS = s[i] == ' ' || s[i] == '\t' || s[i] == 0 || isBreak
	}
	blocked := spaceBreak || tabs || special
	return scalarInfo{
		plainOK:   !(leadSpace || leadBreak || trailSpace || trailBreak || breakSpace || blocked || breaks || indicators),
		singleOK:  !(breakSpace || blocked),
		blockOK:   !(trailSpace || spaceBreak || special),
		multiline: breaks, lsps: lsps,
	}
}

// indicator reports whether the byte is one that keeps a plain scalar out
// of the block context there.
func indicator(c byte, first, precededByWS, followedByWS bool) bool {
	if first {
		switch c {
		case '#', ',', '[', ']', '{', '}', '&', '*', '!', '|', '>', '\'', '"', '%', '@', '`':
			return true
		case '?', ':', '-':
			return followedByWS
		}
		return false
	}
	switch c {
	case ':':
		return followedByWS
	case '#':
		return precededByWS
	}
	return false
}

// runeWidth is the length of the UTF-8 sequence a lead byte starts.
func runeWidth(c byte) int {
	switch {
	case c < 0x80:
		return 1
	case c&0xE0 == 0xC0:
		return 2
	case c&0xF0 == 0xE0:
		return 3
	case c&0xF8 == 0xF0:
		return 4
	}
	return 1
}

// breakAt reports a line break at s[i]: CR, LF, NEL, LS or PS.
func breakAt(s []byte, i int) bool {
	switch s[i] {
	case '\r', '\n':
		return true
	case 0xC2:
		return i+1 < len(s) && s[i+1] == 0x85
	case 0xE2:
		return i+2 < len(s) && s[i+1] == 0x80 && (s[i+2] == 0xA8 || s[i+2] == 0xA9)
	}
	return false
}

// printableAt is YAML's printable set at s[i] (yamlprivateh.go,
// is_printable): LF, ASCII from space to '~', and from U+00A0 up, less
// the surrogates, U+FEFF, U+FFFE and U+FFFF.
func printableAt(s []byte, i int) bool {
	c := s[i]
	next := func(k int) byte {
		if i+k < len(s) {
			return s[i+k]
		}
		return 0
	}
	switch {
	case c == '\n' || c >= 0x20 && c <= 0x7E:
		return true
	case c == 0xC2:
		return next(1) >= 0xA0
	case c > 0xC2 && c < 0xED, c == 0xEE:
		return true
	case c == 0xED:
		return next(1) < 0xA0
	case c == 0xEF:
		return !(next(1) == 0xBB && next(2) == 0xBF) && !(next(1) == 0xBF && (next(2) == 0xBE || next(2) == 0xBF))
	}
	return false
}

// plainBytes is plainString of s, the string copy made only when the
// first byte is one plainString looks further at.
func plainBytes(s []byte) bool {
	if len(s) > 0 && strings.IndexByte(resolvingFirst, s[0]) < 0 {
		return true // what plainString says without a string copy of s
	}
	return plainString(string(s))
}

// resolvingFirst are the first bytes of the plain scalars plainString
// looks at further: every other non-empty string is plain.
const resolvingFirst = "yYnNtTfFoO~.+-0123456789"

// plainString reports whether s, written plain, reads back as the string
// (resolve.go, resolve with no tag) and not as YAML 1.1's base-60 floats
// and yes/no/on/off booleans, which yaml.v3 quotes too.
func plainString(s string) bool {
	if s == "" {
		return false // null
	}
	switch s {
	case "y", "Y", "yes", "Yes", "YES", "on", "On", "ON", "n", "N", "no", "No", "NO", "off", "Off", "OFF":
		return false
	}
	switch c := s[0]; {
	case strings.IndexByte("yYnNtTfFoO~", c) >= 0:
		return !resolvedWord[s]
	case c == '.':
		_, err := strconv.ParseFloat(s, 64)
		return !resolvedWord[s] && err != nil
	case c == '+' || c == '-' || c >= '0' && c <= '9':
		return !resolvedWord[s] && !numberLike(s) && !base60Float.MatchString(s)
	}
	return true
}

// resolvedWord are the plain scalars that read as a bool, null or a
// special float.
var resolvedWord = map[string]bool{
	"true": true, "True": true, "TRUE": true, "false": true, "False": true, "FALSE": true,
	"~": true, "null": true, "Null": true, "NULL": true,
	".nan": true, ".NaN": true, ".NAN": true, ".inf": true, ".Inf": true, ".INF": true,
	"+.inf": true, "+.Inf": true, "+.INF": true, "-.inf": true, "-.Inf": true, "-.INF": true,
}

// base60Float is the sexagesimal float of YAML 1.1 (encode.go).
var base60Float = regexp.MustCompile(`^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$`)

// yamlFloat is a YAML 1.2 float (resolve.go).
var yamlFloat = regexp.MustCompile(`^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`)

// timestampLayouts are the timestamps a plain scalar reads as (resolve.go).
var timestampLayouts = []string{"2006-1-2T15:4:5.999999999Z07:00", "2006-1-2t15:4:5.999999999Z07:00", "2006-1-2 15:4:5.999999999", "2006-1-2"}

// numberLike reports whether s, starting with a sign or digit, reads as a
// timestamp, an integer (any base, underscores dropped) or a float.
func numberLike(s string) bool {
	if len(s) > 4 && s[4] == '-' && digits(s[:4]) {
		for _, l := range timestampLayouts {
			if _, err := time.Parse(l, s); err == nil {
				return true
			}
		}
	}
	p := strings.ReplaceAll(s, "_", "")
	if _, err := strconv.ParseInt(p, 0, 64); err == nil {
		return true
	}
	if _, err := strconv.ParseUint(p, 0, 64); err == nil {
		return true
	}
	if yamlFloat.MatchString(p) {
		if _, err := strconv.ParseFloat(p, 64); err == nil {
			return true
		}
	}
	// Prefixed forms resolve.go reads digit strings after, sign included.
	for _, f := range []struct {
		prefix string
		neg    bool
		base   int
	}{{"0b", false, 2}, {"-0b", true, 2}, {"0o", false, 8}, {"-0o", true, 8}} {
		rest, ok := strings.CutPrefix(p, f.prefix)
		if !ok {
			continue
		}
		if f.neg {
			rest = "-" + rest
		}
		if _, err := strconv.ParseInt(rest, f.base, 64); err == nil {
			return true
		}
		if _, err := strconv.ParseUint(rest, f.base, 64); err == nil && !f.neg {
			return true
		}
		return false
	}
	return false
}

// digits reports whether s is all ASCII digits.
func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
