package peertest

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// TelegrafVersion is the Telegraf release the gateway export is checked
// against (its inputs.modbus request style and option names).
const TelegrafVersion = "v1.37.2"

// telegrafModule is Telegraf's Go module path.
const telegrafModule = "github.com/influxdata/telegraf"

// telegrafTags builds Telegraf with only the plugins the tests need.
const telegrafTags = "custom,inputs.modbus,outputs.file"

// Telegraf returns the path of a Telegraf TelegrafVersion binary built
// with only inputs.modbus and outputs.file, building it on first use into
// os.UserCacheDir()/busprobe-peertest/telegraf-VERSION. The source comes
// from the Go module proxy (`go mod download -json`; its go.mod has
// replace directives, so `go install …@version` refuses it): the module's
// read-only folder is copied to a writable temporary one and built there.
// A failed build fails the test under CI=true and skips it otherwise.
// The first build takes about half a minute with a warm module cache.
func Telegraf(t testing.TB) string {
	t.Helper()
	goBin := RequireTool(t, "go", "golang-go")
	cache := peertestCacheDir(t)
	bin := filepath.Join(cache, "telegraf-"+TelegrafVersion)
	if fi, err := os.Stat(bin); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o100 != 0 {
		return bin
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	start := time.Now()
	dl := exec.CommandContext(ctx, goBin, "mod", "download", "-json", telegrafModule+"@"+TelegrafVersion)
	dl.Dir = os.TempDir() // outside any module
	out, err := dl.Output()
	var mod struct{ Dir, Error string }
	if err == nil {
		err = json.Unmarshal(out, &mod)
	}
	if err != nil || mod.Dir == "" {
		missing(t, "telegraf %s: go mod download failed (%v %s): needs the Go module proxy", TelegrafVersion, err, mod.Error)
	}
	build, err := os.MkdirTemp(cache, "telegraf-build-")
	if err != nil {
		t.Fatalf("peertest: %v", err)
	}
	defer os.RemoveAll(build)
	src := filepath.Join(build, "src")
	// CopyFS makes the copies writable (mode 0666 plus the source's x bits).
	if err := os.CopyFS(src, os.DirFS(mod.Dir)); err != nil {
		t.Fatalf("peertest: copy telegraf source: %v", err)
	}
	tmpBin := filepath.Join(build, "telegraf")
	cmd := exec.CommandContext(ctx, goBin, "build", "-tags", telegrafTags, "-o", tmpBin, "./cmd/telegraf")
	cmd.Dir = src
	cmd.Env = append(os.Environ(), "GOWORK=off")
	if msg, err := cmd.CombinedOutput(); err != nil {
		missing(t, "build telegraf %s: %v\n%s", TelegrafVersion, err, msg)
	}
	// Rename is atomic: concurrent test binaries never run a half-written file.
	if err := os.Rename(tmpBin, bin); err != nil {
		t.Fatalf("peertest: %v", err)
	}
	t.Logf("peertest: built telegraf %s in %s", TelegrafVersion, time.Since(start).Round(time.Second))
	return bin
}
