package gitrev

// FileID is the git blob id of the regular file p (a repository path);
// ok is false when the tree holds no such file.
func (t *Tree) FileID(p string) (id string, ok bool, err error) {
	if t.Missing {
		return "", false, nil
	}
	p = cleanDir(p)
	if p == "" {
		return "", false, nil
	}
	if ok, err = t.src.file(p); !ok || err != nil {
		return "", false, err
	}
	h, err := t.src.id(p)
	return h.String(), err == nil, err
}
