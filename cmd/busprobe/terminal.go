package main

import (
	"os"

	"github.com/charmbracelet/x/term"
)

// terminal reports whether stream (stdin, stdout or stderr) is a terminal.
// Tests pass fakes that say so through an IsTerminal method.
func terminal(stream any) bool {
	if t, ok := stream.(interface{ IsTerminal() bool }); ok {
		return t.IsTerminal()
	}
	f, ok := stream.(*os.File)
	return ok && term.IsTerminal(f.Fd())
}
