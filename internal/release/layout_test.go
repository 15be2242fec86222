package release

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseTargets(t *testing.T) {
	got, err := ParseTargets("")
	if err != nil || !reflect.DeepEqual(got, DefaultTargets) || len(got) != 6 {
		t.Fatalf("empty: %v %v, want the six defaults", got, err)
	}
	got, err = ParseTargets("linux_amd64, darwin_arm64,linux_amd64")
	if err != nil || !reflect.DeepEqual(got, []Target{{"linux", "amd64"}, {"darwin", "arm64"}}) {
		t.Fatalf("list: %v %v", got, err)
	}
	for _, bad := range []string{"linux-amd64", "plan9_amd64", "linux_mips", "linux"} {
		if _, err := ParseTargets(bad); err == nil || !strings.Contains(err.Error(), bad) {
			t.Errorf("%q: error %v should name it", bad, err)
		}
	}
}

func TestCheckVersion(t *testing.T) {
	for _, ok := range []string{"0.1.0", "1.2.3", "1.2.3-beta.1", "10.0.0+build.5"} {
		if err := CheckVersion(ok); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "v1.2.3", "1.2", "latest", "01.2.3", "1.2.3 "} {
		err := CheckVersion(bad)
		if err == nil {
			t.Errorf("%q accepted", bad)
			continue
		}
		if !strings.Contains(err.Error(), "x.y.z") {
			t.Errorf("%q: %v should say what to write", bad, err)
		}
	}
}

func TestFilesNames(t *testing.T) {
	f := Files{Version: "1.2.3"}
	cases := map[string]string{
		f.Zip(Target{"darwin", "arm64"}):     "terraform-provider-llmops_1.2.3_darwin_arm64.zip",
		f.Binary(Target{"linux", "amd64"}):   "terraform-provider-llmops_v1.2.3",
		f.Binary(Target{"windows", "arm64"}): "terraform-provider-llmops_v1.2.3.exe",
		f.Sums():                             "terraform-provider-llmops_1.2.3_SHA256SUMS",
		f.Signature():                        "terraform-provider-llmops_1.2.3_SHA256SUMS.sig",
		f.Manifest():                         "terraform-provider-llmops_1.2.3_manifest.json",
		MirrorDir("registry.opentofu.org"):   "registry.opentofu.org/llmops/llmops",
	}
	for got, want := range cases {
		if got != want {
			t.Errorf("got %s, want %s", got, want)
		}
	}
}

func TestExporterArchs(t *testing.T) {
	if got := ExporterArchs(DefaultTargets); !reflect.DeepEqual(got, []string{"amd64", "arm64"}) {
		t.Fatalf("got %v", got)
	}
	if got := ExporterArchs([]Target{{"darwin", "arm64"}}); !reflect.DeepEqual(got, []string{"arm64"}) {
		t.Fatalf("got %v", got)
	}
}
