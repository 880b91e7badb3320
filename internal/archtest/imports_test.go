package archtest

import (
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/busprobe/busprobe/"

// layer returns the architectural layer of a project package (its first
// path element, "internal/x" for internal packages).
func layer(pkg string) string {
	rel := strings.TrimPrefix(pkg, module)
	parts := strings.Split(rel, "/")
	if parts[0] == "internal" && len(parts) > 1 {
		return "internal/" + parts[1]
	}
	return parts[0]
}

// allowed lists, for each layer, the project layers it may import (non-test code).
func allowed(from string) []string {
	switch from {
	case "cmd":
		return []string{"tui", "probes", "gateway", "profiles", "protocols", "sim"}
	case "tui":
		return []string{"probes", "gateway", "profiles", "protocols"}
	case "probes":
		return []string{"gateway", "profiles", "protocols"}
	case "gateway":
		return []string{"profiles", "protocols"}
	case "sim":
		return []string{"profiles", "protocols"}
	case "profiles":
		return []string{"protocols"}
	case "internal/peertest":
		return []string{"protocols"}
	case "bench":
		return []string{"probes", "gateway", "profiles", "protocols", "sim"}
	}
	return nil // protocols, internal/*: no project imports
}

func TestImportDirection(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", "{{.ImportPath}} {{join .Imports \" \"}}", module+"...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	checked := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		from := layer(fields[0])
		checked++
		for _, imp := range fields[1:] {
			if !strings.HasPrefix(imp, module) {
				continue
			}
			to := layer(imp)
			if to == from {
				continue
			}
			ok := false
			for _, a := range allowed(from) {
				ok = ok || a == to
			}
			if !ok {
				t.Errorf("%s imports %s: layer %q may not import layer %q", fields[0], imp, from, to)
			}
		}
	}
	if checked < 3 {
		t.Fatalf("go list returned only %d packages; the check would prove nothing", checked)
	}
}

func TestLayer(t *testing.T) {
	for _, tc := range []struct{ pkg, want string }{
		{module + "protocols/modbus", "protocols"},
		{module + "cmd/busprobe", "cmd"},
		{module + "internal/peertest", "internal/peertest"},
		{module + "sim", "sim"},
	} {
		if got := layer(tc.pkg); got != tc.want {
			t.Errorf("layer(%q) = %q, want %q", tc.pkg, got, tc.want)
		}
	}
}
