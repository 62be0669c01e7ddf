// Package limits holds netpolc's input bounds: how large an input may be
// before netpolc refuses it, so that a hostile or mistaken pull request
// cannot take a CI runner's memory or time. Each bound has a documented
// default and can be overridden for one run with the environment variable
// NETPOLC_LIMITS, a comma-separated list of name=value settings:
//
//	NETPOLC_LIMITS="manifest-bytes=256MiB,manifest-objects=200000"
//
// A value is a whole number, optionally with a binary size suffix (KiB,
// MiB, GiB; K, M and G mean the same), or "none" for no bound. A package
// declares its bounds with New; a name is "<area>-<what>" (manifest-bytes),
// and a setting of an unknown name in an area that has bounds (a
// misspelling, manifest-byts) is an error, so an override never silently
// fails to apply. Settings of other areas are left to whoever reads them.
package limits

import (
	"fmt"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/netpolc/netpolc/internal/diag"
)

// envName is the environment variable that overrides the defaults.
const envName = "NETPOLC_LIMITS"

// None is the value of a bound set to "none": no bound.
const None = math.MaxInt64

// Limit is one bound, declared once by the package that enforces it.
type Limit struct {
	// Name is the key in NETPOLC_LIMITS, such as manifest-bytes.
	Name string
	// Default is the bound when NETPOLC_LIMITS does not set it.
	Default int64
	// Help says what is counted, for messages and documentation.
	Help string
}

var (
	mu       sync.Mutex
	registry = map[string]*Limit{}
)

// New declares a bound; it panics when the name is taken or has no area
// ("manifest-" in manifest-bytes). Call it from a package-level variable.
func New(name string, def int64, help string) *Limit {
	mu.Lock()
	defer mu.Unlock()
	if _, dup := registry[name]; dup || !strings.Contains(name, "-") {
		panic("limits: bad or duplicate name " + name)
	}
	l := &Limit{Name: name, Default: def, Help: help}
	registry[name] = l
	return l
}

// allLimits lists the declared bounds by name.
func allLimits() []*Limit {
	mu.Lock()
	defer mu.Unlock()
	var all []*Limit
	for _, l := range registry {
		all = append(all, l)
	}
	slices.SortFunc(all, func(a, b *Limit) int { return strings.Compare(a.Name, b.Name) })
	return all
}

// Value returns the bound in force: its setting in NETPOLC_LIMITS, or
// the default. A malformed NETPOLC_LIMITS is an error (a
// *diag.Diagnostic) that names the setting.
func (l *Limit) Value() (int64, error) {
	settings, err := parse(os.Getenv(envName))
	if err != nil {
		return 0, err
	}
	if v, ok := settings[l.Name]; ok {
		return v, nil
	}
	return l.Default, nil
}

// Hint is the advice to print when the bound is exceeded: how to raise
// it for one run, with a value large enough for the input at hand when
// need is positive.
func (l *Limit) Hint(need int64) string {
	v := "N"
	if need > 0 {
		v = strconv.FormatInt(need, 10)
	}
	now := "none"
	if cur, err := l.Value(); err == nil && cur != None {
		now = strconv.FormatInt(cur, 10)
	}
	return fmt.Sprintf("if the input is meant to be this large, raise the limit for the run: %s=%s=%s (%s; now %s)",
		envName, l.Name, v, l.Help, now)
}

// parse reads a NETPOLC_LIMITS value.
func parse(s string) (map[string]int64, error) {
	out := map[string]int64{}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, val, ok := strings.Cut(part, "=")
		name, val = strings.TrimSpace(name), strings.TrimSpace(val)
		if !ok || name == "" {
			return nil, bad(part, "a setting is name=value")
		}
		switch declared, area := known(name); {
		case !declared && area:
			return nil, bad(part, "no such limit; the limits are "+names())
		case !declared:
			continue
		}
		v, err := parseValue(val)
		if err != nil {
			return nil, bad(part, err.Error())
		}
		out[name] = v
	}
	return out, nil
}

// known tells whether name is a declared bound, and whether it is in an
// area that has bounds (so that, undeclared, it is a misspelling).
func known(name string) (declared, area bool) {
	mu.Lock()
	defer mu.Unlock()
	if _, ok := registry[name]; ok {
		return true, true
	}
	prefix, _, _ := strings.Cut(name, "-")
	for n := range registry {
		if a, _, _ := strings.Cut(n, "-"); a == prefix {
			return false, true
		}
	}
	return false, false
}

func names() string {
	var all []string
	for _, l := range allLimits() {
		all = append(all, l.Name)
	}
	return strings.Join(all, ", ")
}

func bad(setting, why string) error {
	return diag.Errorf(fmt.Sprintf("write %s as name=value[,name=value...], such as %s=manifest-bytes=256MiB", envName, envName),
		"%s: bad setting %q: %s", envName, setting, why)
}

// parseValue reads "1000", "64MiB", "2G" or "none".
func parseValue(s string) (int64, error) {
	if strings.EqualFold(s, "none") {
		return None, nil
	}
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"K", 1 << 10}, {"M", 1 << 20}, {"G", 1 << 30}} {
		if rest, ok := strings.CutSuffix(s, u.suffix); ok {
			s, mult = rest, u.mult
			break
		}
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v < 0 || v > math.MaxInt64/mult {
		return 0, fmt.Errorf("want a whole number, optionally with KiB, MiB or GiB, or none")
	}
	return v * mult, nil
}
