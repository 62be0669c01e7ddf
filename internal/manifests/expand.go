package manifests

import (
	"fmt"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/netpolc/netpolc/internal/diag"
	"github.com/netpolc/netpolc/internal/limits"
)

// expansionLimit is the budget of expanded nodes per input byte.
var expansionLimit = limits.New("manifest-expansion", 4,
	"nodes per input byte, plus 65536, that aliases, merge keys and List items may expand manifests to")

// expansionBase is the budget every run has whatever its size, so that
// small files with a few anchors never come near it.
const expansionBase = 1 << 16

// expander follows aliases and applies merge keys for one run. It charges
// every node it produces — a node written out as JSON, a field of a
// mapping after merge keys are applied, an object read — to one budget
// proportional to the size of the input, so that a few hundred bytes of
// aliases (a "billion laughs" document, a kind: List of aliased Lists,
// merge keys of merge keys) fail fast and at a position instead of taking
// the machine's memory and time.
type expander struct {
	left, budget int64
	// fields holds the fields of each mapping of the document being read,
	// merge keys applied, so that each is computed (and charged) once.
	fields map[*yaml.Node]*mergedFields
	// via is the outermost alias being expanded: where a spent budget is
	// reported, since it is in the text of the object that overspent.
	via *yaml.Node
	// spent is where the budget ran out; nil until it does.
	spent *yaml.Node
}

// newExpander returns an expander with the budget of size input bytes.
func newExpander(size int64, perByte int64) *expander {
	budget := int64(limits.None)
	if perByte < (limits.None-expansionBase)/max(size, 1) {
		budget = perByte*size + expansionBase
	}
	return &expander{left: budget, budget: budget}
}

// newDocument forgets the mappings of the previous document (whose nodes
// are then free).
func (x *expander) newDocument() {
	x.fields = map[*yaml.Node]*mergedFields{}
}

// charge takes k nodes produced at n from the budget and tells whether the
// budget is still positive.
func (x *expander) charge(n *yaml.Node, k int64) bool {
	if x.left -= k; x.left >= 0 {
		return true
	}
	if x.spent == nil {
		x.spent = n
		if x.via != nil {
			x.spent = x.via
		}
	}
	return false
}

// enter records n as the alias being expanded unless an outer one is;
// the function returned undoes it.
func (x *expander) enter(n *yaml.Node) func() {
	if x.via != nil || n.Kind != yaml.AliasNode {
		return func() {}
	}
	x.via = n
	return func() { x.via = nil }
}

// spentError is the problem of a spent budget, at file.
func (x *expander) spentError(file string, size int64) *diag.Diagnostic {
	return problem(sourceOf(file, x.spent), "", errLimit, expansionLimit.Hint(0),
		"aliases, merge keys and List items expand the manifests to more than %d nodes, the budget for %d bytes of input",
		x.budget, size)
}

// errSpent is the error of an expansion stopped by a spent budget; the
// builder reports the budget once, at expander.spent.
var errSpent = &nodeError{Msg: "expansion budget spent"}

// field is one key of a mapping after merge keys are applied.
type field struct {
	Key   string
	KeyN  *yaml.Node
	Value *yaml.Node
}

// mergedFields is the cached result of mappingFields for one mapping.
type mergedFields struct {
	fields []field
	err    error
	// cost is the fields the mapping would have if its merge keys were
	// expanded as written, recursively: what it is charged, so that merge
	// keys of merge keys cost what they would cost kubectl, which expands
	// them (and refuses a document that takes too many).
	cost int64
	busy bool // being computed: a merge key refers back to it
}

// mappingFields lists the keys of mapping n in order, with the keys of
// merged mappings ("<<: *base") after them unless overridden.
func (x *expander) mappingFields(n *yaml.Node, depth int) ([]field, error) {
	if m := x.fields[n]; m != nil {
		if m.busy {
			return nil, &nodeError{n, "merge key (<<) merges the mapping it is in"}
		}
		return m.fields, m.err
	}
	if depth > 64 {
		return nil, &nodeError{n, "merge keys nest too deeply"}
	}
	m := &mergedFields{busy: true}
	if x.fields == nil {
		x.newDocument()
	}
	x.fields[n] = m
	m.fields, m.cost, m.err = x.computeFields(n, depth)
	m.busy = false
	return m.fields, m.err
}

func (x *expander) computeFields(n *yaml.Node, depth int) ([]field, int64, error) {
	var merged []field
	var cost int64
	fields := make([]field, 0, len(n.Content)/2)
	var seen fieldSet
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge" {
			m, c, err := x.mergeSources(v, depth)
			if err != nil {
				return nil, 0, err
			}
			merged, cost = append(merged, m...), addCost(cost, c)
			continue
		}
		if k.Kind != yaml.ScalarNode {
			return nil, 0, &nodeError{k, "mapping key is not a scalar"}
		}
		key := keyString(k)
		if first := seen.find(fields, key); first != nil {
			return nil, 0, &nodeError{k, fmt.Sprintf("duplicate key %q (first at line %d)", k.Value, first.Line)}
		}
		seen.add(key, k)
		fields = append(fields, field{key, k, v})
	}
	cost = addCost(cost, int64(len(fields)))
	if !x.charge(n, cost) {
		return nil, 0, errSpent
	}
	for _, f := range merged {
		if seen.find(fields, f.Key) == nil {
			seen.add(f.Key, f.KeyN)
			fields = append(fields, f)
		}
	}
	return fields, cost, nil
}

// fieldSet finds a mapping's fields by key, the key node of the first
// field of a key: by scanning the fields while they are few (most
// mappings), with a map past that.
type fieldSet struct {
	m map[string]*yaml.Node
}

// fieldScan is the most fields fieldSet scans.
const fieldScan = 16

func (s *fieldSet) find(fields []field, key string) *yaml.Node {
	if s.m == nil && len(fields) <= fieldScan {
		for i := range fields {
			if fields[i].Key == key {
				return fields[i].KeyN
			}
		}
		return nil
	}
	if s.m == nil {
		s.m = make(map[string]*yaml.Node, 2*len(fields))
		for _, f := range fields { // keys are unique: each was found absent
			s.m[f.Key] = f.KeyN
		}
	}
	return s.m[key]
}

// add records the field of key, which find found absent.
func (s *fieldSet) add(key string, k *yaml.Node) {
	if s.m != nil {
		s.m[key] = k
	}
}

// mergeSources returns the fields of the mappings merged by a merge key
// of value v, and their cost.
func (x *expander) mergeSources(v *yaml.Node, depth int) ([]field, int64, error) {
	var sources []*yaml.Node
	switch r := resolve(v); r.Kind {
	case yaml.MappingNode:
		sources = []*yaml.Node{v}
	case yaml.SequenceNode:
		sources = r.Content
	default:
		return nil, 0, &nodeError{r, "merge key (<<) needs a mapping or a list of mappings"}
	}
	var all []field
	var cost int64
	for _, src := range sources {
		leave := x.enter(src)
		m := resolve(src)
		if m.Kind != yaml.MappingNode {
			leave()
			return nil, 0, &nodeError{m, "merge key (<<) needs a mapping or a list of mappings"}
		}
		f, err := x.mappingFields(m, depth+1)
		leave()
		if err != nil {
			return nil, 0, err
		}
		all, cost = append(all, f...), addCost(cost, x.fields[m].cost)
	}
	return all, cost, nil
}

// addCost adds costs, saturating.
func addCost(a, b int64) int64 {
	if a > limits.None-b {
		return limits.None
	}
	return a + b
}

// resolve follows aliases (a bounded number of times).
func resolve(n *yaml.Node) *yaml.Node {
	for i := 0; i < 64 && n.Kind == yaml.AliasNode && n.Alias != nil; i++ {
		n = n.Alias
	}
	return n
}

// pathHit is a node found by lookupPath; Key is its mapping key, if any.
type pathHit struct {
	Key, Value *yaml.Node
}

// lookupPath finds the nodes at a field path such as
// "spec.ingress[0].from" ("spec.ingress.from" matches every element).
// Keys containing dots are matched whole. It walks no more of the tree
// than converting it has (and charged for), and mappings' fields are cached.
func (x *expander) lookupPath(n *yaml.Node, path string) []pathHit {
	n = resolve(n)
	if path == "" {
		return []pathHit{{Value: n}}
	}
	switch {
	case path[0] == '.':
		return x.lookupPath(n, path[1:])
	case path[0] == '[':
		end := strings.IndexByte(path, ']')
		i, err := strconv.Atoi(path[1:max(end, 1)])
		if end < 0 || err != nil || n.Kind != yaml.SequenceNode || i < 0 || i >= len(n.Content) {
			return nil
		}
		return x.lookupPath(n.Content[i], path[end+1:])
	case n.Kind == yaml.SequenceNode:
		var all []pathHit
		for _, c := range n.Content {
			all = append(all, x.lookupPath(c, path)...)
		}
		return all
	case n.Kind != yaml.MappingNode:
		return nil
	}
	fields, err := x.mappingFields(n, 0)
	if err != nil {
		return nil
	}
	for _, f := range fields {
		rest, ok := strings.CutPrefix(path, f.Key)
		if !ok || (rest != "" && rest[0] != '.' && rest[0] != '[') {
			continue
		}
		if rest == "" {
			return []pathHit{{Key: f.KeyN, Value: resolve(f.Value)}}
		}
		return x.lookupPath(f.Value, rest)
	}
	return nil
}

// stringField returns the scalar at key of mapping n, or "".
func (x *expander) stringField(n *yaml.Node, key string) (string, *yaml.Node) {
	n = resolve(n)
	if n.Kind != yaml.MappingNode {
		return "", nil
	}
	fields, err := x.mappingFields(n, 0)
	if err != nil {
		return "", nil
	}
	for _, f := range fields {
		if f.Key == key {
			v := resolve(f.Value)
			if v.Kind == yaml.ScalarNode && !isNull(v) {
				return v.Value, v
			}
			return "", v
		}
	}
	return "", nil
}
