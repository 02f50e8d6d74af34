//go:build !unix

package main

import (
	"errors"
	"os"
	"os/exec"
)

// Without Unix process groups, stopping a job ends its command alone.

func startInGroup(cmd *exec.Cmd) error { return cmd.Start() }

func terminateGroup(cmd *exec.Cmd) error { return killGroup(cmd) }

func killGroup(cmd *exec.Cmd) error {
	if err := cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return err
	}
	return nil
}
