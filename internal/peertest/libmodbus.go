package peertest

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// libmodbusExamples is where Debian's libmodbus-dev ships the example
// programs (possibly gzip-compressed).
const libmodbusExamples = "/usr/share/doc/libmodbus-dev/examples"

// libmodbusWrapper compiles unit-test-server.c unmodified. It only redirects
// the address the example hard-codes (TCP 127.0.0.1:1502, RTU /dev/ttyUSB0)
// to the environment, makes stdout line-buffered, and prints a ready line,
// so that several servers can run at once on free ports and the test knows
// when one listens without spending the server's only connection on a probe.
const libmodbusWrapper = `/* busprobe peertest: unit-test-server.c with its address from the environment. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <modbus.h>

static modbus_t *peertest_new_tcp(const char *ip, int port)
{
    const char *e_ip = getenv("PEERTEST_IP");
    const char *e_port = getenv("PEERTEST_PORT");
    setvbuf(stdout, NULL, _IOLBF, 0);
    return modbus_new_tcp(e_ip ? e_ip : ip, e_port ? atoi(e_port) : port);
}

static int peertest_tcp_listen(modbus_t *ctx, int nb_connection)
{
    int s = modbus_tcp_listen(ctx, nb_connection);
    if (s == -1)
        printf("PEERTEST-LISTEN-FAILED: %s\n", modbus_strerror(errno));
    else
        printf("PEERTEST-READY\n");
    fflush(stdout);
    return s;
}

static modbus_t *peertest_new_rtu(const char *device, int baud, char parity, int data_bit,
                                  int stop_bit)
{
    const char *e_dev = getenv("PEERTEST_DEVICE");
    setvbuf(stdout, NULL, _IOLBF, 0);
    return modbus_new_rtu(e_dev ? e_dev : device, baud, parity, data_bit, stop_bit);
}

static int peertest_connect(modbus_t *ctx)
{
    int rc = modbus_connect(ctx);
    if (rc == 0)
        printf("PEERTEST-READY\n");
    fflush(stdout);
    return rc;
}

#define modbus_new_tcp peertest_new_tcp
#define modbus_tcp_listen peertest_tcp_listen
#define modbus_new_rtu peertest_new_rtu
#define modbus_connect peertest_connect
#include "unit-test-server.c"
`

// readExample returns the content of a file of libmodbusExamples, trying the
// plain name then name.gz; it reports fs.ErrNotExist when neither exists.
func readExample(name string) ([]byte, error) {
	p := filepath.Join(libmodbusExamples, name)
	if b, err := os.ReadFile(p); err == nil || !errors.Is(err, fs.ErrNotExist) {
		return b, err
	}
	f, err := os.Open(p + ".gz")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("%s.gz: %w", p, err)
	}
	return io.ReadAll(zr)
}

// unitTestHeader returns unit-test.h, generating it from unit-test.h.in
// (configure substitutes only the HAVE_* feature macros, all true on Linux)
// when the generated header is not shipped.
func unitTestHeader() ([]byte, error) {
	if b, err := readExample("unit-test.h"); !errors.Is(err, fs.ErrNotExist) {
		return b, err
	}
	in, err := readExample("unit-test.h.in")
	if err != nil {
		return nil, err
	}
	return regexp.MustCompile(`@[A-Z_]+@`).ReplaceAll(in, []byte("1")), nil
}

// peertestCacheDir returns a directory for built peers that outlives one
// test run, or a test temp dir when the user cache is unavailable.
func peertestCacheDir(t testing.TB) string {
	if base, err := os.UserCacheDir(); err == nil {
		dir := filepath.Join(base, "busprobe-peertest")
		if err := os.MkdirAll(dir, 0o755); err == nil {
			return dir
		}
	}
	return t.TempDir()
}

// buildUnitTestServer compiles libmodbus's unit-test-server once per
// content (cached by hash of sources and flags) and returns its path.
func buildUnitTestServer(t testing.TB) string {
	t.Helper()
	gcc := RequireTool(t, "gcc", "gcc")
	pkgConfig := RequireTool(t, "pkg-config", "pkg-config")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	flagsOut, err := exec.CommandContext(ctx, pkgConfig, "--cflags", "--libs", "libmodbus").CombinedOutput()
	if err != nil {
		missing(t, "pkg-config finds no libmodbus (%v: %s): apt-get install libmodbus-dev", err, bytes.TrimSpace(flagsOut))
	}
	src, errSrc := readExample("unit-test-server.c")
	hdr, errHdr := unitTestHeader()
	if err := errors.Join(errSrc, errHdr); err != nil {
		missing(t, "libmodbus example unit-test-server.c / unit-test.h unreadable in %s (%v): apt-get install libmodbus-dev", libmodbusExamples, err)
	}
	flags := strings.Fields(string(flagsOut))
	h := sha256.New()
	for _, part := range [][]byte{[]byte(libmodbusWrapper), src, hdr, flagsOut, []byte(gcc)} {
		fmt.Fprintf(h, "%d:", len(part))
		h.Write(part)
	}
	cache := peertestCacheDir(t)
	bin := filepath.Join(cache, "libmodbus-unit-test-server-"+hex.EncodeToString(h.Sum(nil))[:16])
	if fi, err := os.Stat(bin); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o100 != 0 {
		return bin
	}
	build, err := os.MkdirTemp(cache, "build-")
	if err != nil {
		t.Fatalf("peertest: %v", err)
	}
	defer os.RemoveAll(build)
	for name, b := range map[string][]byte{
		"unit-test-server.c": src, "unit-test.h": hdr, "peertest-wrapper.c": []byte(libmodbusWrapper),
	} {
		if err := os.WriteFile(filepath.Join(build, name), b, 0o644); err != nil {
			t.Fatalf("peertest: %v", err)
		}
	}
	out := filepath.Join(build, "unit-test-server")
	args := append([]string{"-O1", "-w", "-o", out, "peertest-wrapper.c"}, flags...)
	cmd := exec.CommandContext(ctx, gcc, args...)
	cmd.Dir = build
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("peertest: build libmodbus unit-test-server: %v\n%s", err, msg)
	}
	// Rename is atomic, so concurrent test binaries building the same
	// server never run a half-written file.
	if err := os.Rename(out, bin); err != nil {
		t.Fatalf("peertest: %v", err)
	}
	return bin
}

// LibmodbusServer builds (once, cached under os.UserCacheDir()) and starts
// libmodbus 3.1's unit-test-server in TCP mode on a free port of 127.0.0.1
// and returns its host:port. See the package documentation and the UT*
// constants for what it serves. It accepts exactly ONE TCP connection and
// exits when that connection closes: start another for the next one.
func LibmodbusServer(t testing.TB) (addr string) {
	t.Helper()
	bin := buildUnitTestServer(t)
	var last error
	for range startAttempts {
		port := freePort(t)
		cmd := exec.Command(bin, "tcp")
		cmd.Env = append(os.Environ(), "PEERTEST_IP=127.0.0.1", "PEERTEST_PORT="+strconv.Itoa(port))
		p, err := startProcess(t, "libmodbus unit-test-server", cmd)
		if err != nil {
			t.Fatalf("peertest: %v", err)
		}
		if last = p.waitOutput("PEERTEST-READY"); last == nil {
			return net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		}
		p.stop(t)
		if !strings.Contains(p.out.String(), "PEERTEST-LISTEN-FAILED") {
			break
		}
	}
	t.Fatalf("peertest: %v", last)
	return ""
}

// LibmodbusRTU starts libmodbus's unit-test-server in RTU mode on the serial
// device ptyPath (typically one end of SocatPair). It answers only unit
// LibmodbusServerID (and broadcasts), at 115200 8N1, which a pty ignores.
// It runs until the test ends.
func LibmodbusRTU(t testing.TB, ptyPath string) {
	t.Helper()
	bin := buildUnitTestServer(t)
	cmd := exec.Command(bin, "rtu")
	cmd.Env = append(os.Environ(), "PEERTEST_DEVICE="+ptyPath)
	p, err := startProcess(t, "libmodbus unit-test-server rtu", cmd)
	if err != nil {
		t.Fatalf("peertest: %v", err)
	}
	if err := p.waitOutput("PEERTEST-READY"); err != nil {
		t.Fatalf("peertest: %v", err)
	}
}
