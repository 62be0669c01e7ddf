package intent

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/netpolc/netpolc/internal/diag"
)

// LimitsEnv is the environment variable that overrides the input limits,
// e.g. NETPOLC_LIMITS=bytes=4MiB,rules=100000.
const LimitsEnv = "NETPOLC_LIMITS"

// Limits bound the size and complexity of an intents directory, so that a
// hostile or mistaken change cannot exhaust the memory or time of the
// machine that checks it (a CI runner checking a pull request). Every
// limit is checked before the expensive step it protects: Bytes, Files,
// Depth and List on the source text before CUE parses or evaluates it,
// Policies and Rules while the compiler expands templates and rules.
type Limits struct {
	// Bytes bounds the total size of the .cue files.
	Bytes int64
	// Files bounds the number of .cue files.
	Files int
	// Depth bounds the syntactic nesting of any value: each open bracket,
	// each label of `a: b: c:` and each operator chained in one
	// expression counts one level.
	Depth int
	// List bounds the number of elements of any one list, as written and
	// as evaluated (a comprehension's output too).
	List int
	// Policies bounds the number of policies after template expansion.
	Policies int
	// Rules bounds the number of rules (one per peer) after expansion.
	Rules int
}

// DefaultLimits are the limits without an override. They are about twice
// what the 500-namespace, 5,000-workload benchmark intents need.
var DefaultLimits = Limits{
	Bytes:    1 << 20,
	Files:    1000,
	Depth:    100,
	List:     1000,
	Policies: 30000,
	Rules:    30000,
}

// limitField returns a pointer to the limit named key, or nil.
func limitField(l *Limits, key string) any {
	switch key {
	case "bytes":
		return &l.Bytes
	case "files":
		return &l.Files
	case "depth":
		return &l.Depth
	case "list":
		return &l.List
	case "policies":
		return &l.Policies
	case "rules":
		return &l.Rules
	}
	return nil
}

// limitNames lists the keys ParseLimits accepts.
var limitNames = []string{"bytes", "files", "depth", "list", "policies", "rules"}

// ParseLimits reads a comma-separated list of key=value overrides
// ("bytes=4MiB,list=5000") on top of base. Values are positive integers,
// optionally with a K, M or G suffix (powers of 1024; "KiB" and "kB" are
// read alike).
func ParseLimits(base Limits, s string) (Limits, error) {
	out := base
	hint := "write " + LimitsEnv + " as key=value pairs separated by commas, e.g. bytes=4MiB,rules=100000; keys: " +
		strings.Join(limitNames, ", ")
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		key, val, ok := strings.Cut(part, "=")
		key = strings.ToLower(strings.TrimSpace(key))
		if ok && strings.Contains(key, "-") {
			// An <area>-<what> name is a bound of internal/limits
			// (manifest-bytes), checked by the package that declares it.
			continue
		}
		field := limitField(&out, key)
		if !ok || field == nil {
			return base, diag.Errorf(hint, "%s: unknown limit %q", LimitsEnv, part)
		}
		n, err := parseSize(strings.TrimSpace(val))
		if err != nil {
			return base, diag.Errorf(hint, "%s: limit %s: %v", LimitsEnv, key, err)
		}
		switch f := field.(type) {
		case *int64:
			*f = n
		case *int:
			if int64(int(n)) != n {
				return base, diag.Errorf(hint, "%s: limit %s: %d is too large", LimitsEnv, key, n)
			}
			*f = int(n)
		}
	}
	return out, nil
}

// parseSize reads a positive integer with an optional binary suffix.
func parseSize(s string) (int64, error) {
	mult := int64(1)
	lower := strings.ToLower(s)
	for _, suf := range []struct {
		text string
		mult int64
	}{{"kib", 1 << 10}, {"mib", 1 << 20}, {"gib", 1 << 30}, {"kb", 1 << 10}, {"mb", 1 << 20}, {"gb", 1 << 30},
		{"k", 1 << 10}, {"m", 1 << 20}, {"g", 1 << 30}} {
		if strings.HasSuffix(lower, suf.text) {
			lower, mult = strings.TrimSuffix(lower, suf.text), suf.mult
			break
		}
	}
	n, err := strconv.ParseInt(strings.TrimSpace(lower), 10, 64)
	if err != nil || n <= 0 || n > (1<<62)/mult {
		return 0, fmt.Errorf("%q is not a positive number", s)
	}
	return n * mult, nil
}

// envLimits returns DefaultLimits with the overrides of NETPOLC_LIMITS.
func envLimits() (Limits, error) {
	return ParseLimits(DefaultLimits, os.Getenv(LimitsEnv))
}

// overrideHint tells how to raise the limit named key to at least want.
func overrideHint(key string, want int64) string {
	return fmt.Sprintf("if this is intended, raise the limit: %s=%s=%d (see \"Limits\" in the README)", LimitsEnv, key, want)
}
