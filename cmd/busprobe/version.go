package main

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// buildVersion describes the binary: the module version ("(devel)" for a
// local build), the VCS commit and whether the tree was modified.
type buildVersion struct {
	Version  string `json:"version"`
	Commit   string `json:"commit"`
	Modified bool   `json:"modified"`
	Go       string `json:"go"`
}

// stampedCommit and stampedVersion may be set at link time, for builds made
// where the go command does not stamp VCS data (GOFLAGS=-buildvcs=false, go run):
//
//	go build -ldflags "-X main.stampedCommit=$(git rev-parse HEAD)" ./cmd/busprobe
//
// They are the only package-level variables, because -X can set nothing else.
var stampedCommit, stampedVersion string

func readBuildVersion() (v buildVersion) {
	v = buildVersion{Version: "(devel)", Commit: "unknown", Go: runtime.Version()}
	defer func() {
		if stampedCommit != "" {
			v.Commit = stampedCommit
		}
		if stampedVersion != "" {
			v.Version = stampedVersion
		}
	}()
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return v
	}
	if info.Main.Version != "" {
		v.Version = info.Main.Version
	}
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			v.Commit = s.Value
		case "vcs.modified":
			v.Modified = s.Value == "true"
		}
	}
	return v
}

func (v buildVersion) String() string {
	s := fmt.Sprintf("busprobe %s commit %s", v.Version, v.Commit)
	if v.Modified {
		s += " (modified)"
	}
	return s + " " + v.Go
}

func newVersionCmd(e *env) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print version and commit",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			v := readBuildVersion()
			if asJSON {
				return writeJSON(e.stdout, v)
			}
			_, err := fmt.Fprintln(e.stdout, v)
			return err
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}
