package snapshot

// The functions here decide which keys of a state function.toml shows: FC
// reports every unset setting at its default or empty shape, and writing all
// of those would bury the real configuration; dropping them all would rewrite
// a file whose author chose to spell out `timeout = 3`. So a "not set" key is
// written exactly when the previous file wrote it (DESIGN "Defaults are not
// state"), and a number equal to the previous file's keeps that file's text
// (a file's 1.0 is FC's 1).

// shapeState returns the tables Encode renders for s given prev (nil for a
// first snapshot).
func shapeState(s, prev *State) (map[string]any, map[string]map[string]any) {
	var prevCfg map[string]any
	var prevTriggers map[string]map[string]any
	if prev != nil {
		prevCfg, prevTriggers = prev.Config, prev.Triggers
	}
	cfg := shapeTable(rootField, s.Config, prevCfg, prev != nil)
	triggers := make(map[string]map[string]any, len(s.Triggers))
	for name, t := range s.Triggers {
		triggers[name] = shapeTable(triggerField, t, prevTriggers[name], false)
	}
	return cfg, triggers
}

// shapeTable returns the members of cur (a table described by f) to write,
// given prev, the same table in the previous file (nil when it had none).
// hadPrev is true at the top level of a state encoded against a previous
// file: FC-chosen keys (cpu, diskSize) then follow that file's choice
// whatever their value, since an absent one means "whatever FC chose".
func shapeTable(f *field, cur, prev map[string]any, hadPrev bool) map[string]any {
	out := make(map[string]any, len(cur))
	for k, v := range cur {
		if _, ok := asConflict(v); ok {
			out[k] = v
			continue
		}
		cf := f.member(k)
		pv, inPrev := prev[k]
		if cf != nil && cf.fcChosen && hadPrev && !inPrev {
			continue
		}
		// A write-only secret reference reads as "not set" (FC never
		// returns it) but is what the file says: always written.
		writeOnly := cf != nil && cf.writeOnly
		if !inPrev && !writeOnly && isDefault(f, cf, v) {
			continue
		}
		out[k] = shapeValue(f, cf, v, pv)
	}
	// A "not set" key the previous file wrote but FC no longer reports
	// (an empty shape with fewer members): keep writing it.
	for k, pv := range prev {
		if _, ok := cur[k]; ok {
			continue
		}
		cf := f.member(k)
		if (cf == nil || !cf.fcChosen && !cf.writeOnly) && isDefault(f, cf, pv) {
			out[k] = cloneValue(pv)
		}
	}
	return out
}

// shapeValue returns v as written, recursing into tables and table lists so
// that their members follow prev's choices too.
func shapeValue(parent, f *field, v, prev any) any {
	if prev != nil && valuesEqual(v, prev) {
		return cloneValue(prev)
	}
	switch x := v.(type) {
	case map[string]any:
		pm, _ := prev.(map[string]any)
		return shapeTable(tableFor(parent, f), x, pm, false)
	case []any:
		pa, _ := prev.([]any)
		out := make([]any, len(x))
		for i, e := range x {
			var pe any
			if i < len(pa) {
				pe = pa[i]
			}
			if m, ok := e.(map[string]any); ok {
				pm, _ := pe.(map[string]any)
				out[i] = shapeTable(elemTable(f), m, pm, false)
				continue
			}
			if pe != nil && valuesEqual(e, pe) {
				out[i] = pe
			} else {
				out[i] = e
			}
		}
		return out
	}
	return v
}
