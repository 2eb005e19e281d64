package fetch

import (
	"bytes"
	"testing"
)

// TestNoteEqualIsEqualEncoding: Equal says two notes are the same exactly
// when they encode to the same bytes, over notes differing in every field,
// and in the shapes that encode alike (no triggers, nil or empty).
func TestNoteEqualIsEqualEncoding(t *testing.T) {
	meta := func(lm string, triggers map[string]TriggerMeta) FunctionMeta {
		return FunctionMeta{LastModifiedTime: lm, CodeChecksum: "1", FunctionArn: "acs:fc:r:1:functions/a", Triggers: triggers}
	}
	notes := map[string]*Note{
		"empty":          {Functions: map[string]FunctionMeta{}},
		"region":         {Region: "cn-hangzhou", Functions: map[string]FunctionMeta{}},
		"one":            {Functions: map[string]FunctionMeta{"a": meta("t1", nil)}},
		"one, no trig":   {Functions: map[string]FunctionMeta{"a": meta("t1", map[string]TriggerMeta{})}},
		"one, later":     {Functions: map[string]FunctionMeta{"a": meta("t2", nil)}},
		"one, checksum":  {Functions: map[string]FunctionMeta{"a": {LastModifiedTime: "t1", CodeChecksum: "2", FunctionArn: "acs:fc:r:1:functions/a"}}},
		"one, arn":       {Functions: map[string]FunctionMeta{"a": {LastModifiedTime: "t1", CodeChecksum: "1", FunctionArn: "x"}}},
		"other name":     {Functions: map[string]FunctionMeta{"b": meta("t1", nil)}},
		"two":            {Functions: map[string]FunctionMeta{"a": meta("t1", nil), "b": meta("t1", nil)}},
		"trigger":        {Functions: map[string]FunctionMeta{"a": meta("t1", map[string]TriggerMeta{"web": {LastModifiedTime: "t1"}})}},
		"trigger url":    {Functions: map[string]FunctionMeta{"a": meta("t1", map[string]TriggerMeta{"web": {LastModifiedTime: "t1", URLInternet: "https://u"}})}},
		"trigger later":  {Functions: map[string]FunctionMeta{"a": meta("t1", map[string]TriggerMeta{"web": {LastModifiedTime: "t2"}})}},
		"other trigger":  {Functions: map[string]FunctionMeta{"a": meta("t1", map[string]TriggerMeta{"tick": {LastModifiedTime: "t1"}})}},
		"two triggers":   {Functions: map[string]FunctionMeta{"a": meta("t1", map[string]TriggerMeta{"web": {LastModifiedTime: "t1"}, "tick": {LastModifiedTime: "t1"}})}},
		"empty metadata": {Functions: map[string]FunctionMeta{"a": {}}},
	}
	for an, a := range notes {
		for bn, b := range notes {
			want := bytes.Equal(a.Encode(), b.Encode())
			if got := a.Equal(b); got != want {
				t.Errorf("%s.Equal(%s) = %v; their encodings equal: %v", an, bn, got, want)
			}
		}
	}
}
