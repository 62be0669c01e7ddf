package enforcer

// classes are the equivalence classes of groups per direction and role.
// For direction d, the subject class of a group is what the policies
// selecting it look like (plus its named ports for ingress, where it is the
// destination); the peer class is which rule peers match it (plus its
// named ports for egress). Two groups of one class are indistinguishable
// in that role, so the model evaluates one representative per class pair.
type classes struct {
	subj, peer       [2][]int32   // group → class
	subjRep, peerRep [2][]int32   // class → representative group
	peerClassesOf    [2][][]int32 // rule peer → peer classes it matches
}

func (m *Model) buildClasses() *classes {
	c := &classes{}
	for d := range 2 {
		subjIdx, peerIdx := map[string]int32{}, map[string]int32{}
		c.subj[d] = make([]int32, len(m.groups))
		c.peer[d] = make([]int32, len(m.groups))
		for gi, g := range m.groups {
			sk, pk := int32Key(g.subj[d]), g.peerBits[d].key()
			if dir(d) == dIngress {
				sk += "|" + namedKey(g.ports, m.named)
			} else {
				pk += "|" + namedKey(g.ports, m.named)
			}
			c.subj[d][gi] = intern(subjIdx, sk, &c.subjRep[d], int32(gi))
			c.peer[d][gi] = intern(peerIdx, pk, &c.peerRep[d], int32(gi))
		}
		c.peerClassesOf[d] = m.invertPeerClasses(d, c.peerRep[d])
	}
	return c
}

// invertPeerClasses lists, per rule peer of direction d, the peer classes
// whose representative it matches, in class order. It walks each
// representative's set bits rather than testing every peer against every
// class: the bitsets are sparse, and the class × peer scan was quadratic.
func (m *Model) invertPeerClasses(d int, reps []int32) [][]int32 {
	out := make([][]int32, len(m.peers[d]))
	n := int32(len(out))
	for pc, gi := range reps {
		m.groups[gi].peerBits[d].each(func(id int32) bool {
			if id >= n {
				return false
			}
			out[id] = append(out[id], int32(pc))
			return true
		})
	}
	return out
}

// intern returns the class of key, creating it with representative rep.
func intern(index map[string]int32, key string, reps *[]int32, rep int32) int32 {
	if id, ok := index[key]; ok {
		return id
	}
	id := int32(len(*reps))
	index[key] = id
	*reps = append(*reps, rep)
	return id
}
