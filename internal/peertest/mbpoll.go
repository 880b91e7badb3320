package peertest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// mbpollTimeout bounds one mbpoll run. Pass -1 (poll once) and mbpoll's own
// -t/-o timeout options; a run still going after this is killed.
const mbpollTimeout = 20 * time.Second

// Mbpoll runs the mbpoll client (Debian package mbpoll, 1.4) with args and
// returns its standard output. err is non-nil when mbpoll exits non-zero or
// runs past its bound; it then carries mbpoll's standard error. Examples:
//
//	Mbpoll(t, "-m", "tcp", "-p", port, "-a", "1", "-t", "4", "-r", "1", "-c", "5", "-1", "127.0.0.1")
//	Mbpoll(t, "-m", "rtu", "-b", "19200", "-P", "none", "-a", "1", "-r", "1", "-c", "5", "-t", "4", "-1", pty)
//
// -r is 1-based unless -0 is given. Always pass -1, or mbpoll polls until
// the bound kills it.
func Mbpoll(t testing.TB, args ...string) (stdout string, err error) {
	t.Helper()
	mbpoll := RequireTool(t, "mbpoll", "mbpoll")
	ctx, cancel := context.WithTimeout(context.Background(), mbpollTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, mbpoll, args...)
	cmd.WaitDelay = time.Second
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err = cmd.Run()
	if ctx.Err() != nil {
		err = errors.Join(fmt.Errorf("mbpoll ran past %v", mbpollTimeout), err)
	}
	if err != nil {
		err = fmt.Errorf("mbpoll %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(errOut.String()))
	}
	return out.String(), err
}
