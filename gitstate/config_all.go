package gitstate

// ConfigValue is one value of a key that may appear under several
// subsections, such as url.<base>.insteadOf.
type ConfigValue struct {
	Subsection string // case-sensitive, "" for a key without one
	Value      string
}

// ConfigAll returns every value of a multi-valued key ("remote.origin.url")
// in the order git reads them, as `git config --get-all` does. A key written
// without a value reads as "true", as in Config.
func (r *Repo) ConfigAll(key string) ([]string, error) {
	cs, err := r.loadConfig()
	if err != nil {
		return nil, err
	}
	sec, sub, name, ok := splitKey(key)
	if !ok {
		return nil, nil
	}
	var out []string
	for _, e := range cs.entries {
		if e.section == sec && e.subsection == sub && e.name == name {
			out = append(out, entryValue(e))
		}
	}
	return out, nil
}

// ConfigValues returns every <section>.<subsection>.<name> entry across all
// subsections of section, in the order git reads them: what git's URL
// rewriting (url.<base>.insteadOf) iterates over. Section and name are
// case-insensitive, as in git.
func (r *Repo) ConfigValues(section, name string) ([]ConfigValue, error) {
	cs, err := r.loadConfig()
	if err != nil {
		return nil, err
	}
	sec, _, nm, ok := splitKey(section + ".x." + name)
	if !ok {
		return nil, nil
	}
	var out []ConfigValue
	for _, e := range cs.entries {
		if e.section == sec && e.name == nm {
			out = append(out, ConfigValue{Subsection: e.subsection, Value: entryValue(e)})
		}
	}
	return out, nil
}

func entryValue(e configEntry) string {
	if e.implicit {
		return "true"
	}
	return e.value
}
