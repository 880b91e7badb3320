// Package deps pins the project's direct dependencies until code imports them.
package deps

import (
	_ "github.com/creack/pty"
	_ "github.com/goburrow/serial"
	_ "github.com/goccy/go-yaml"
	_ "github.com/simonvetter/modbus"
	_ "github.com/spf13/cobra"
	_ "golang.org/x/sys/unix"
)
