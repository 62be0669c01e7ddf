package manifests

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"

	"github.com/netpolc/netpolc/emitters/adminpolicy/adminapi"
	"github.com/netpolc/netpolc/internal/diag"
)

// Options change how manifests are read. The zero value is the default:
// fail closed.
type Options struct {
	// SkipInvalid skips each document that does not decode (YAML that
	// does not parse, text that is not UTF-8, an object of a kind netpolc
	// reads whose fields do not decode, such as an unrendered Helm
	// template) instead of failing, recording a warning in Set.Skipped.
	// Bounds, duplicates and unreadable files still fail.
	SkipInvalid bool
	// AdminChannel is the network-policy-api channel the cluster runs
	// (admin-channel): "" when not known. Admin objects are validated
	// with the experimental CRD (a superset) in any case; one that only
	// the experimental CRD accepts is an error on the standard channel
	// and a warning when the channel is not known (validate_admin.go).
	AdminChannel adminapi.Channel
	// Stdin is what the path "-" reads (nil: os.Stdin).
	Stdin io.Reader
}

// Load is the package's Load with these options.
func (opts Options) Load(paths ...string) (*Set, error) { return load(opts, paths) }

// ParseFiles is the package's ParseFiles with these options.
func (opts Options) ParseFiles(files ...File) (*Set, error) {
	lim, err := loadBounds()
	if err != nil {
		return nil, diag.Collect(err)
	}
	b := newBuilder(lim)
	b.opts = opts
	return b.run(files)
}

// mark is the builder's state before a document, to forget the document.
type mark struct {
	errs, notes, workloads, namespaces, nps, cnps, anps, banps, seen, others int
}

func (b *builder) mark() mark {
	s := &b.set
	return mark{len(b.errs), len(s.Notes), len(b.workloads), len(s.Inventory.Namespaces),
		len(s.NetworkPolicies), len(s.ClusterNetworkPolicies), len(s.AdminNetworkPolicies),
		len(s.BaselineAdminNetworkPolicies), len(b.seenKeys), len(b.others)}
}

// skipIfInvalid forgets what the document read since m did when it had
// problems and all of them are ones --skip-invalid skips, and records
// a warning naming its first line and its first problem.
func (b *builder) skipIfInvalid(m mark, file string, c chunk) {
	if !b.opts.SkipInvalid || len(b.errs) == m.errs || b.stopped {
		return
	}
	for _, e := range b.errs[m.errs:] {
		if !errors.Is(e, errSyntax) && !errors.Is(e, errInvalid) {
			return
		}
	}
	first := b.errs[m.errs]
	s := &b.set
	for _, k := range b.seenKeys[m.seen:] {
		delete(b.seen, k)
	}
	b.errs, s.Notes, b.workloads, b.seenKeys = b.errs[:m.errs], s.Notes[:m.notes], b.workloads[:m.workloads], b.seenKeys[:m.seen]
	b.others = b.others[:m.others]
	s.Inventory.Namespaces = s.Inventory.Namespaces[:m.namespaces]
	s.NetworkPolicies, s.ClusterNetworkPolicies = s.NetworkPolicies[:m.nps], s.ClusterNetworkPolicies[:m.cnps]
	s.AdminNetworkPolicies, s.BaselineAdminNetworkPolicies = s.AdminNetworkPolicies[:m.anps], s.BaselineAdminNetworkPolicies[:m.banps]
	what := first.Msg
	if first.Path != "" {
		what = first.Path + ": " + what
	}
	msg := fmt.Sprintf("%s: skipped a document that does not decode (--skip-invalid): %s: %s",
		diag.Pos{File: file, Line: c.Line}, first.Pos, what)
	if k := policyKind.Find(c.Data); k != nil {
		msg += fmt.Sprintf(" (it looks like a %s: what it allows or denies is left out, so the result may allow more than the cluster does)",
			bytes.TrimSpace(bytes.TrimPrefix(bytes.TrimSpace(k), []byte("kind:"))))
	}
	s.Skipped = append(s.Skipped, msg)
}

// policyKind finds a policy kind in a document's text.
var policyKind = regexp.MustCompile(`(?m)^\s*kind:\s*"?(Network|AdminNetwork|BaselineAdminNetwork|ClusterNetwork)Policy\b`)
