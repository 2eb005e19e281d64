package fc_test

import (
	"io"
	"testing"

	"github.com/fcgit/fcgit/emulator"
	"github.com/fcgit/fcgit/fc"
)

// TestStats: a client counts every request it sends, retries included, and
// the code it downloads, byte for byte.
func TestStats(t *testing.T) {
	e := startEmulator(t, emulator.Options{}, fc.Config{})
	zipData := codeZip(t, "stats")
	if _, err := e.client.CreateFunction(bg(), functionInput("counted", zipData)); err != nil {
		t.Fatal(err)
	}
	before := e.client.Stats()
	loc, err := e.client.GetFunctionCode(bg(), "counted")
	if err != nil {
		t.Fatal(err)
	}
	body, err := e.client.DownloadCode(bg(), loc.URL)
	if err != nil {
		t.Fatal(err)
	}
	n, err := io.Copy(io.Discard, body)
	body.Close()
	if err != nil {
		t.Fatal(err)
	}
	got := e.client.Stats().Sub(before)
	if got.Requests != 1 || got.Retries != 0 || got.Downloads != 1 || got.DownloadedBytes != n || n != int64(len(zipData)) {
		t.Fatalf("stats %+v after one request and a download of %d bytes (package %d)", got, n, len(zipData))
	}
	if got.InFlight <= 0 {
		t.Fatalf("no time in flight: %+v", got)
	}

	// Faults: every attempt is a request, the ones after the first retries.
	f := startEmulator(t, emulator.Options{ErrorRate: 0.5, Seed: 5}, fc.Config{})
	for range 20 {
		if _, err := f.client.ListFunctions(bg(), ""); err != nil {
			t.Fatal(err)
		}
	}
	st := f.client.Stats()
	if served := f.srv.Stats().Requests["ListFunctions"]; int64(served) != st.Requests {
		t.Fatalf("client counted %d requests, the emulator saw %d", st.Requests, served)
	}
	if st.Retries == 0 || st.Requests != 20+st.Retries {
		t.Fatalf("stats %+v: want 20 calls plus their retries", st)
	}
}
