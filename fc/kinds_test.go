package fc_test

import (
	"encoding/json"
	"testing"

	"github.com/fcgit/fcgit/emulator"
	"github.com/fcgit/fcgit/fc"
	"github.com/fcgit/fcgit/kinds"
)

// TestSettingsThroughKinds: every per-function setting reads, writes, lists
// and deletes through the one code path its description drives.
func TestSettingsThroughKinds(t *testing.T) {
	t.Parallel()
	e := startEmulator(t, emulator.Options{}, fc.Config{})
	for _, fn := range []string{"a", "b"} {
		if _, err := e.client.CreateFunction(bg(), functionInput(fn, codeZip(t, fn))); err != nil {
			t.Fatal(err)
		}
	}
	bodies := map[*kinds.Setting]map[string]any{
		kinds.ConcurrencyConfig: {"reservedConcurrency": json.Number("5")},
		kinds.AsyncInvokeConfig: {"maxAsyncRetryAttempts": json.Number("1")},
		kinds.ProvisionConfig:   {"defaultTarget": json.Number("2")},
		kinds.ScalingConfig:     {"minInstances": json.Number("1")},
	}
	for _, s := range kinds.Settings {
		t.Run(s.Key, func(t *testing.T) {
			if _, found, err := e.client.GetSetting(bg(), s, "a", "LATEST"); err != nil || found {
				t.Fatalf("unconfigured: found=%v err=%v", found, err)
			}
			if _, err := e.client.PutSetting(bg(), s, "a", "LATEST", bodies[s]); err != nil {
				t.Fatal(err)
			}
			d, found, err := e.client.GetSetting(bg(), s, "a", "LATEST")
			if err != nil || !found {
				t.Fatalf("configured: found=%v err=%v", found, err)
			}
			for k, v := range bodies[s] {
				if d[k] != v {
					t.Errorf("%s = %v, want %v", k, d[k], v)
				}
			}
			items, err := e.client.ListSettings(bg(), s)
			if err != nil {
				t.Fatal(err)
			}
			if len(items) != 1 || items[0].Function != "a" || (s.Qualified && items[0].Qualifier != "LATEST") || (!s.Qualified && items[0].Qualifier != "") {
				t.Fatalf("list = %+v", items)
			}
			if err := e.client.DeleteSetting(bg(), s, "a", "LATEST"); err != nil {
				t.Fatal(err)
			}
			if err := e.client.DeleteSetting(bg(), s, "a", "LATEST"); err != nil {
				t.Fatalf("deleting twice: %v", err)
			}
			if items, err := e.client.ListSettings(bg(), s); err != nil || len(items) != 0 {
				t.Fatalf("after delete: %+v %v", items, err)
			}
		})
	}
}

func TestVpcBindingsInvocationAliasesVersions(t *testing.T) {
	t.Parallel()
	e := startEmulator(t, emulator.Options{}, fc.Config{})
	if _, err := e.client.CreateFunction(bg(), functionInput("f", codeZip(t, "v1"))); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"vpc-b", "vpc-a", "vpc-a"} {
		if err := e.client.CreateVpcBinding(bg(), "f", id); err != nil {
			t.Fatal(err)
		}
	}
	if ids, err := e.client.ListVpcBindings(bg(), "f"); err != nil || len(ids) != 2 || ids[0] != "vpc-a" {
		t.Fatalf("bindings %v %v", ids, err)
	}
	if err := e.client.DeleteVpcBinding(bg(), "f", "vpc-a"); err != nil {
		t.Fatal(err)
	}
	if err := e.client.SetInvocation(bg(), "f", true, "incident 42"); err != nil {
		t.Fatal(err)
	}
	f, err := e.client.GetFunction(bg(), "f")
	if err != nil {
		t.Fatal(err)
	}
	if r, _ := f["invocationRestriction"].(map[string]any); r["disable"] != true || r["reason"] != "incident 42" {
		t.Fatalf("invocationRestriction = %v", f["invocationRestriction"])
	}
	v1, err := e.client.PublishVersion(bg(), "f", "fcgit abc")
	if err != nil || v1["versionId"] != "1" {
		t.Fatalf("publish: %v %v", v1, err)
	}
	if _, err := e.client.CreateAlias(bg(), "f", map[string]any{"aliasName": "prod", "versionId": "1"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.UpdateFunction(bg(), "f", map[string]any{"timeout": json.Number("9")}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.PublishVersion(bg(), "f", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.UpdateAlias(bg(), "f", "prod", map[string]any{"additionalVersionWeight": map[string]any{"2": 0.1}}); err != nil {
		t.Fatal(err)
	}
	aliases, err := e.client.ListAliases(bg(), "f")
	if err != nil || len(aliases) != 1 || aliases[0]["versionId"] != "1" {
		t.Fatalf("aliases %v %v", aliases, err)
	}
	versions, err := e.client.ListVersions(bg(), "f")
	if err != nil || len(versions) != 2 {
		t.Fatalf("versions %v %v", versions, err)
	}
	at, err := e.client.GetFunctionAt(bg(), "f", "1")
	if err != nil || at["timeout"] == json.Number("9") {
		t.Fatalf("version 1 = %v, %v", at["timeout"], err)
	}
	if err := e.client.DeleteAlias(bg(), "f", "prod"); err != nil {
		t.Fatal(err)
	}
	if err := e.client.DeleteVersion(bg(), "f", "1"); err != nil {
		t.Fatal(err)
	}
}
