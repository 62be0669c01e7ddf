package manifests

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"github.com/netpolc/netpolc/emitters/adminpolicy/adminapi"
	"github.com/netpolc/netpolc/internal/crdcheck"
	"github.com/netpolc/netpolc/internal/crdcheck/npapi"
)

// The admin kinds (ClusterNetworkPolicy v1alpha2, AdminNetworkPolicy and
// BaselineAdminNetworkPolicy v1alpha1) are validated with the upstream
// CRDs (internal/crdcheck/npapi, embedded) through the API server's own
// validation code (internal/crdcheck): schema, CEL rules, and no field
// the CRD would prune.
//
// Which channel: the reader may not know the cluster's (Options.
// AdminChannel). The experimental CRD is a superset of the standard one,
// so every object is validated against it first: an object it rejects is
// invalid in every cluster, an error. An object it accepts is then
// validated against the standard CRD; where that rejects it (it uses a
// field only the experimental channel has: the standard CRD prunes it,
// and the pruned object is usually rejected, or means something else),
// it is an error if the channel is standard, nothing if it is
// experimental, and a warning naming the fields if the channel is not
// known.

// checkAdmin validates the admin object o against the CRDs of its
// apiVersion and kind, and reports whether the reader may evaluate it.
func (b *builder) checkAdmin(o *object) bool {
	if b.alone { // the CRDs' validators are the run's, on one goroutine
		b.abandoned = true
		return false
	}
	version := strings.TrimPrefix(o.APIVersion, npapi.Group+"/")
	var obj map[string]any
	data, err := b.x.renderJSON(o.Node)
	if err == nil {
		err = json.Unmarshal(data, &obj)
	}
	if err != nil {
		b.fail(o.source(), o.label(), errInvalid, "", "cannot read the object for validation: %v", err)
		return false
	}
	crds := [2]*crdcheck.CRD{}
	for i, ch := range []string{npapi.Experimental, npapi.Standard} {
		crd, err := npapi.CRD(version, o.Kind, ch)
		if err != nil { // fail closed: what cannot be validated is not read
			b.fail(o.source(), o.label(), errInvalid, "", "cannot validate: %v", err)
			return false
		}
		crds[i] = crd
	}
	c := b.checker(o)
	for _, e := range crds[0].Validate(obj) {
		c.crdError(e, crdName(version, npapi.Experimental), "")
	}
	if !c.ok {
		return false
	}
	std := crds[1].Validate(obj)
	switch {
	case len(std) == 0 || b.opts.AdminChannel == adminapi.Experimental:
	case b.opts.AdminChannel == adminapi.Standard:
		for _, e := range std {
			c.crdError(e, crdName(version, npapi.Standard), standardHint)
		}
	default:
		b.channelWarnings = append(b.channelWarnings, channelWarning(c, std))
	}
	return c.ok
}

// standardHint says why an object valid on the experimental channel is
// an error on the standard one.
var standardHint = fmt.Sprintf("the object uses a field only the experimental-channel CRD has; if the cluster runs the experimental CRDs, set %s: %s",
	adminapi.SettingChannel, adminapi.Experimental)

// channelWarning says that an object needs the experimental channel,
// where the channel is not known: the first error's position, every
// field the standard CRD finds.
func channelWarning(c *checker, errs []crdcheck.Error) string {
	fields := make([]string, 0, len(errs))
	for _, e := range errs {
		fields = append(fields, e.Field)
	}
	return fmt.Sprintf("%s: %s is valid only under the experimental-channel CRD (the standard one rejects or prunes %s): "+
		"a cluster on the standard channel does not run it as read; set %s to say which channel the cluster runs",
		c.pos(errs[0].Field), c.o.label(), strings.Join(fields, ", "), adminapi.SettingChannel)
}

// crdName names the CRD in hints: "network-policy-api v0.2.0
// experimental CRD".
func crdName(version, channel string) string {
	return fmt.Sprintf("network-policy-api %s %s CRD", npapi.Release(version), channel)
}

// crdError reports e at its field: the message the API server's, the
// CRD and the rule in the hint, with a hint of netpolc's where the
// message lacks one. The CEL validator's "rules not run" is left out: it
// comes with the errors that stopped it, which are reported.
func (c *checker) crdError(e crdcheck.Error, crd, extra string) {
	if e.Check == "CEL" && e.Rule == crdcheck.NotRun {
		return
	}
	msg := strings.TrimPrefix(e.Message, e.Field+" in body ")
	if msg == e.Rule {
		msg = "the field is missing" // "Required value", the only message that is its rule
	}
	var rule string
	switch e.Check {
	case "CEL":
		rule = "rule " + e.Rule
	case "unknown field":
		rule = "no such field"
	default:
		rule = e.Check + ": " + e.Rule
	}
	hint := "the API server rejects it (" + crd + ", " + rule + ")"
	if h := adminHint(e); h != "" {
		hint += "; " + h
	}
	if extra != "" {
		hint += "; " + extra
	}
	c.ok = false
	c.b.fail(c.pos(celField(e)), objectPath(c.o.label(), e.Field), errInvalid, hint, "%s", msg)
}

// celSelf is the first field a CEL rule reads of self.
var celSelf = regexp.MustCompile(`\bself\.([A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*)`)

// celField is where e is best shown: for a CEL rule, the first field of
// self that the rule reads (self.metadata.name of a BaselineAdmin-
// NetworkPolicy, say; its nearest parent in the YAML if it is missing),
// else e's field.
func celField(e crdcheck.Error) string {
	m := celSelf.FindStringSubmatch(e.Rule)
	if e.Check != "CEL" || m == nil {
		return e.Field
	}
	if e.Field == "" {
		return m[1]
	}
	return e.Field + "." + m[1]
}

// adminHints are what netpolc adds to the CRD's messages, by the field
// path they are about.
var adminHints = []struct {
	path  *regexp.Regexp
	check string // the crdcheck.Error.Check it is for; "" any
	hint  string
}{
	{regexp.MustCompile(`\]\.(from|to)$`), "", "a rule needs at least one peer: a missing or empty list is rejected (write a peer that selects everything if that is meant)"},
	{regexp.MustCompile(`\]\.ports$`), "", "ports: [] is rejected; omit ports to match every port"},
	{regexp.MustCompile(`\]\.protocols$`), "", "protocols: [] is rejected; omit protocols to match every port"},
	{regexp.MustCompile(`\]\.(tcp|udp|sctp)$`), "", "a tcp, udp or sctp entry needs destinationPort, a number or a range"},
	{regexp.MustCompile(`(subject|\]\.(from|to|ports|protocols)\[\d+\]|destinationPort)$`), "schema", "it sets exactly one of its fields"},
}

// adminHint is netpolc's hint for e, or "".
func adminHint(e crdcheck.Error) string {
	for _, h := range adminHints {
		if h.path.MatchString(e.Field) && (h.check == "" || h.check == e.Check) {
			return h.hint
		}
	}
	return ""
}
