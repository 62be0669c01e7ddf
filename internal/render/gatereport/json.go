package gatereport

import (
	"encoding/json"
	"io"

	"github.com/netpolc/netpolc/internal/diag"
	"github.com/netpolc/netpolc/internal/gate"
	"github.com/netpolc/netpolc/internal/portset"
)

// portsJSON is a port set in the connectivity contract's form (ARCHITECTURE.md §3):
// all, or the sorted, merged port strings.
type portsJSON struct {
	All   bool     `json:"all"`
	Ports []string `json:"ports"`
}

func portsOf(s portset.Set) portsJSON {
	if s.IsAll() {
		return portsJSON{All: true, Ports: []string{}}
	}
	p := s.Strings()
	if p == nil {
		p = []string{}
	}
	return portsJSON{Ports: p}
}

type flowJSON struct {
	Change    gate.Change `json:"change"`
	Namespace string      `json:"namespace"`
	Src       string      `json:"src"`
	Dst       string      `json:"dst"`
	Before    portsJSON   `json:"before"`
	After     portsJSON   `json:"after"`
	Origins   []string    `json:"origins"`
	// Tier decides the change: admin, namespaced or baseline.
	Tier string `json:"tier"`
	// Owner owns Namespace (only with netpolc.yaml owners).
	Owner string `json:"owner,omitempty"`
}

type diffSummaryJSON struct {
	Opened     int `json:"opened"`
	Changed    int `json:"changed"`
	Closed     int `json:"closed"`
	Namespaces int `json:"namespaces"`
}

type diffJSONDoc struct {
	Base    string          `json:"base"`
	Head    string          `json:"head"`
	Summary diffSummaryJSON `json:"summary"`
	Flows   []flowJSON      `json:"flows"`
	// PlatformChanged says the cluster-wide intents changed;
	// UnnamedNamespaces are the namespaces that change affects without
	// naming them.
	PlatformChanged   bool     `json:"platformChanged"`
	UnnamedNamespaces []string `json:"unnamedNamespaces"`
	// Observed is observed traffic against the change (diff --flows).
	Observed *observedJSON `json:"observed,omitempty"`
}

// diffJSON is the JSON form of a diff: every flow, uncapped.
func diffJSON(d *gate.Diff) *diffJSONDoc {
	out := &diffJSONDoc{Base: d.Base, Head: d.Head, Flows: make([]flowJSON, len(d.Flows)),
		Summary:         diffSummaryJSON{Opened: d.Opened, Changed: d.Changed, Closed: d.Closed, Namespaces: d.Namespaces()},
		PlatformChanged: d.PlatformChanged, UnnamedNamespaces: nonNil(d.Unnamed)}
	for i, f := range d.Flows {
		o := f.Origins
		if o == nil {
			o = []string{}
		}
		out.Flows[i] = flowJSON{Change: f.Change, Namespace: f.Namespace, Src: f.Src, Dst: f.Dst,
			Before: portsOf(f.Before), After: portsOf(f.After), Origins: o, Tier: f.Tier, Owner: f.Owner}
	}
	return out
}

type findingJSON struct {
	Severity string `json:"severity"`
	Pos      string `json:"pos"`
	Path     string `json:"path,omitempty"`
	Message  string `json:"message"`
	Hint     string `json:"hint,omitempty"`
}

type driftJSON struct {
	Output  string   `json:"output"`
	Files   int      `json:"files"`
	Changed []string `json:"changed"`
	Missing []string `json:"missing"`
	Extra   []string `json:"extra"`
}

type reportJSON struct {
	OK           bool          `json:"ok"`
	Head         string        `json:"head"`
	Base         string        `json:"base,omitempty"`
	Intents      string        `json:"intents"`
	Drift        *driftJSON    `json:"drift"`
	Findings     []findingJSON `json:"findings"`
	Guardrails   int           `json:"guardrails"`
	Expectations int           `json:"expectations"`
	DenyOpened   bool          `json:"denyOpened"`
	Diff         *diffJSONDoc  `json:"diff"`
	// ConfigChanges lists changes to the gate's own configuration;
	// ConfigAllowed says --allow-config-change accepted them.
	ConfigChanges []string `json:"configChanges"`
	ConfigAllowed bool     `json:"configAllowed"`
	// OwnerChanges lists changes to netpolc.yaml's owners (only with
	// owners); OwnersAllowed says --allow-owner-change accepted them.
	OwnerChanges  []string   `json:"ownerChanges,omitempty"`
	OwnersAllowed bool       `json:"ownersAllowed,omitempty"`
	OldDrift      *driftJSON `json:"baseOutputDrift,omitempty"`
	// Observed is observed traffic against the change (only with flows).
	Observed *observedJSON `json:"observed,omitempty"`
}

// reportToJSON is the JSON form of a verify report.
func reportToJSON(r *gate.Report) *reportJSON {
	out := &reportJSON{OK: !r.Failed(), Head: r.Head, Base: r.Base, Intents: r.Intents,
		Findings: []findingJSON{}, Guardrails: r.Guardrails, Expectations: r.Expectations, DenyOpened: r.DenyOpened}
	if r.Drift.Output != "" {
		out.Drift = driftToJSON(r.Drift)
	}
	if r.OldDrift != nil {
		out.OldDrift = driftToJSON(*r.OldDrift)
	}
	out.ConfigChanges, out.ConfigAllowed = nonNil(r.ConfigChanges), r.ConfigAllowed
	out.OwnerChanges, out.OwnersAllowed = r.OwnerChanges, r.OwnersAllowed
	for _, f := range r.Findings {
		sev := "error"
		if f.Severity == diag.Warning {
			sev = "warning"
		}
		out.Findings = append(out.Findings, findingJSON{Severity: sev, Pos: f.Pos.String(), Path: f.Path, Message: f.Msg, Hint: f.Hint})
	}
	if r.Diff != nil {
		out.Diff = diffJSON(r.Diff)
	}
	out.Observed = observedToJSON(r.Observed)
	return out
}

func driftToJSON(d gate.Drift) *driftJSON {
	return &driftJSON{Output: d.Output, Files: d.Files, Changed: nonNil(d.Changed), Missing: nonNil(d.Missing), Extra: nonNil(d.Extra)}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// writeJSON prints v indented, with a final newline.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
