package kit

import (
	"errors"

	"github.com/netpolc/netpolc/internal/diag"
	"github.com/netpolc/netpolc/internal/ir"
)

// Causes of emitter errors, for errors.Is. Every error an emitter returns
// is a diag.List whose diagnostics wrap one of them.
var (
	// ErrUnsupported marks an IR element the target cannot express
	// exactly.
	ErrUnsupported = errors.New("cannot be expressed exactly by this target")
	// ErrInvalid marks a value the target's API would reject: a bad
	// selector, CIDR, port or object name.
	ErrInvalid = errors.New("invalid")
)

// Unsupported is ErrUnsupported worded for one target ("cannot be
// expressed as a Calico policy"): errors.Is(err, ErrUnsupported) holds.
func Unsupported(msg string) error { return &unsupported{msg} }

type unsupported struct{ msg string }

func (u *unsupported) Error() string        { return u.msg }
func (u *unsupported) Is(target error) bool { return target == ErrUnsupported }

// Hinted attaches what the user can do about err; Errors prints it as the
// diagnostic's hint rather than in the message.
func Hinted(err error, hint string) error { return &hinted{err, hint} }

type hinted struct {
	err  error
	hint string
}

func (h *hinted) Error() string { return h.err.Error() }
func (h *hinted) Unwrap() error { return h.err }

// Errors collects the problems an emitter finds, each at the position of
// the intent that caused it, so that a run reports them all at once.
type Errors struct {
	target string
	list   diag.List
}

// NewErrors returns a collector whose messages name the target.
func NewErrors(target string) *Errors { return &Errors{target: target} }

// Fail records the problems of an IR element: what names it ("egress
// rule"), s is its subject.
func (e *Errors) Fail(o ir.Origin, what string, s ir.Subject, errs ...error) {
	subject := what + " of " + s.Namespace + "/" + s.Name
	if o.Via != "" {
		subject += " (from " + o.Via + ")"
	}
	for _, err := range errs {
		e.add(o.Pos, subject+": ", err)
	}
}

// At records a problem at an origin that is not about one subject.
func (e *Errors) At(o ir.Origin, err error) {
	prefix := ""
	if o.Via != "" {
		prefix = "(from " + o.Via + ") "
	}
	e.add(o.Pos, prefix, err)
}

// Add records a problem with no position in the intents (such as a file
// name that two objects share).
func (e *Errors) Add(err error) { e.add(diag.Pos{}, "", err) }

func (e *Errors) add(p diag.Pos, prefix string, err error) {
	d := &diag.Diagnostic{Severity: diag.Error, Pos: p, Msg: e.target + ": " + prefix + err.Error(), Err: err}
	var h *hinted
	if errors.As(err, &h) {
		d.Hint = h.hint
	}
	e.list = append(e.list, d)
}

// Len is the number of problems recorded.
func (e *Errors) Len() int { return len(e.list) }

// Err returns the problems sorted by position and message with repeats
// dropped, so that the report does not depend on the order of the IR; nil
// when there are none.
func (e *Errors) Err() error {
	if len(e.list) == 0 {
		return nil
	}
	e.list.Sort()
	out := e.list[:1]
	for _, d := range e.list[1:] {
		if last := out[len(out)-1]; d.Pos != last.Pos || d.Msg != last.Msg {
			out = append(out, d)
		}
	}
	e.list = out
	return out
}

// FQDNHint names the targets that can express an FQDN peer, for the
// targets that cannot (they refuse it, or under --allow-approximate leave
// the rule out with a warning; never an address guess).
const FQDNHint = "DNS names need a target with name rules: cilium (toFQDNs), or adminpolicy (domainNames: exact names, experimental-channel CRDs); --allow-approximate leaves the rule out here, with a warning"

// ErrNoStagedForm marks a target that has no staged or audit form for
// build --staged: it fails closed instead of writing enforcing objects.
var ErrNoStagedForm = errors.New("has no staged or audit form")

// stagedHint names the targets that have a staged or audit form, for the
// targets that refuse --staged.
const stagedHint = "build --staged only the targets with a staged form: calico (StagedNetworkPolicy, StagedGlobalNetworkPolicy; Calico 3.30 or later), " +
	"networkpolicy with --networkpolicy-on-calico (StagedKubernetesNetworkPolicy), nftables (log and accept instead of drop), " +
	"cilium (the same policies, audited only where policy audit mode is on)"

// NoStagedForm is the error of a target without a staged form for
// build --staged; why says what it lacks.
func NoStagedForm(target, why string) error {
	return &diag.Diagnostic{Severity: diag.Error, Msg: target + ": --staged: " + why,
		Err: ErrNoStagedForm, Hint: stagedHint}
}
