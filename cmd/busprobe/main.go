// Command busprobe commissions and diagnoses Modbus data-collection
// gateways: it scans serial and TCP buses, reads and decodes registers, and
// serves a simulated plant for tests and demos. See README.md.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// Exit codes, documented in README.md.
const (
	exitOK          = 0   // success: values read, devices found
	exitError       = 1   // an error: no answer, exception, bad input
	exitUsage       = 2   // bad command line
	exitNotFound    = 3   // a scan found nothing
	exitPartial     = 4   // some of the work failed
	exitInterrupted = 130 // interrupted by Ctrl-C / SIGTERM
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run executes the command line and returns the process exit code. It is
// main without signals and os.Exit, so tests drive the whole CLI in-process
// and interrupt it by cancelling ctx.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	stdinTTY := func() bool { return stdinIsTerminal(stdin) }
	root := newRootCmd(&env{stdin: stdin, stdout: stdout, stderr: stderr, terminal: stdinTTY})
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	if ctx.Err() != nil {
		fmt.Fprintln(stderr, "busprobe: interrupted")
		return exitInterrupted
	}
	var ec *codedError
	if errors.As(err, &ec) {
		if ec.err != nil {
			fmt.Fprintln(stderr, "busprobe:", ec.err)
		}
		return ec.code
	}
	fmt.Fprintln(stderr, "busprobe:", err)
	var ue *usageError
	if errors.As(err, &ue) {
		return exitUsage
	}
	return exitError
}

// env is what every subcommand writes to and reads from.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	// terminal reports whether stdin is a terminal, i.e. a person can
	// answer a prompt (tests inject a fake one).
	terminal func() bool
}

// codedError carries a specific exit code out of a subcommand.
type codedError struct {
	code int
	err  error // printed when not nil
}

func (e *codedError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit %d", e.code)
	}
	return e.err.Error()
}

func (e *codedError) Unwrap() error { return e.err }

// usageError is a bad command line: exit code 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}
