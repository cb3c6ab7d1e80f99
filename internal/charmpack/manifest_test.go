package charmpack

import (
	"strings"
	"testing"
)

func TestManifestFromCharmcraft(t *testing.T) {
	platforms := `platforms:
  ubuntu-22.04-amd64:
    build-on: [ubuntu@22.04:amd64]
    build-for: [ubuntu@22.04:amd64]
  ubuntu-24.04-arm64:
    build-on: [ubuntu@24.04:arm64]
    build-for: [ubuntu@24.04:arm64]
  ubuntu@24.04:amd64:
`
	bases := `bases:
  - build-on:
      - {name: ubuntu, channel: "22.04", architectures: [amd64]}
    run-on:
      - {name: ubuntu, channel: "22.04", architectures: [amd64, arm64]}
`
	cases := []struct {
		name, yaml, arch string
		want, err        string
	}{
		{"platforms for amd64", platforms, "amd64",
			"bases:\n  - name: ubuntu\n    channel: \"22.04\"\n    architectures:\n      - amd64\n  - name: ubuntu\n    channel: \"24.04\"\n    architectures:\n      - amd64\n", ""},
		{"platforms for arm64", platforms, "arm64",
			"bases:\n  - name: ubuntu\n    channel: \"24.04\"\n    architectures:\n      - arm64\n", ""},
		{"no platform for s390x", platforms, "s390x", "", "cannot make manifest.yaml: charmcraft.yaml has no platform for s390x"},
		{"bases filtered to arm64", bases, "arm64",
			"bases:\n  - name: ubuntu\n    channel: \"22.04\"\n    architectures:\n      - arm64\n", ""},
		{"bad build-for", "platforms:\n  p:\n    build-on: [x]\n    build-for: [ubuntu:amd64]\n", "", "", `platform "p": "ubuntu:amd64" is not <name>@<channel>:<arch>`},
		{"two build-for", "platforms:\n  p:\n    build-on: [x]\n    build-for: [ubuntu@22.04:amd64, ubuntu@22.04:arm64]\n", "", "", "build-for must name one base and architecture"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ManifestFromCharmcraft([]byte(tc.yaml), tc.arch)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil || string(got) != tc.want {
				t.Errorf("got %q %v, want %q", got, err, tc.want)
			}
		})
	}
}
