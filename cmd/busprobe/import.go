package main

// `busprobe import telegraf FILE -o DIR`: an existing Telegraf
// inputs.modbus config read into profiles (DIR/profiles/ID.yaml, one per
// slave) and a native gateway config (DIR/gateway.yaml).

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"

	"github.com/busprobe/busprobe/gateway"
	"github.com/spf13/cobra"
)

func newImportCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "import",
		Short: "Read configs users already have (Telegraf inputs.modbus) into profiles and a native config",
		Args:  cobra.NoArgs,
	}
	var out string
	var force bool
	tc := &cobra.Command{
		Use:   "telegraf FILE -o DIR",
		Short: "Import a Telegraf inputs.modbus config (request or register style)",
		Long: `Import reads the [[inputs.modbus]] sections of a Telegraf config (the request
and the classic register configuration styles) and writes one profile per
slave to DIR/profiles/ID.yaml and the native gateway config to
DIR/gateway.yaml. Use the profiles with --profiles DIR/profiles. Errors name
the file and line. Existing files are not overwritten without --force.`,
		Args: cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error { return runImportTelegraf(e, args[0], out, force) },
	}
	tc.Flags().StringVarP(&out, "output", "o", "", "write into the folder `DIR`")
	tc.Flags().BoolVar(&force, "force", false, "overwrite existing files")
	cmd.AddCommand(tc)
	return cmd
}

// runImportTelegraf is `busprobe import telegraf`.
func runImportTelegraf(e *env, file, dir string, force bool) error {
	if dir == "" {
		return usagef("-o DIR is required")
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return &codedError{code: exitError, err: err}
	}
	im, err := gateway.ImportTelegraf("busprobe "+readBuildVersion().Version, file, data)
	if err != nil {
		return &codedError{code: exitError, err: err}
	}
	var files []outFile
	for _, p := range im.Profiles {
		files = append(files, outFile{filepath.Join(dir, "profiles", p.ID+".yaml"), p.YAML})
	}
	var buf bytes.Buffer
	if err := gateway.WriteYAML(&buf, im.Config); err != nil {
		return err
	}
	files = append(files, outFile{filepath.Join(dir, "gateway.yaml"), buf.Bytes()})
	if err := writeFiles(files, force); err != nil {
		return err
	}
	pts := 0
	for _, d := range im.Config.Devices {
		pts += len(d.Points)
	}
	fmt.Fprintf(e.stderr, "imported %s into %s: %d buses, %d devices, %d points (%d profiles)\n",
		file, dir, len(im.Config.Buses), len(im.Config.Devices), pts, len(im.Profiles))
	return nil
}
