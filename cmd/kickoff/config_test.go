package main

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/kickoff-ci/kickoff/internal/tokens"
)

func TestBuildLoggerRedactsTokens(t *testing.T) {
	tok, err := tokens.New(tokens.Trigger)
	if err != nil {
		t.Fatal(err)
	}
	for _, format := range []string{"text", "json"} {
		t.Run(format, func(t *testing.T) {
			var buf bytes.Buffer
			logger, err := buildLogger(&buf, format, "debug")
			if err != nil {
				t.Fatal(err)
			}
			logger.Debug("trigger "+tok, "path", "/api/trigger/"+tok, "err", errors.New("ref "+tok))
			out := buf.String()
			if strings.Contains(out, tok[tokens.RedactLen:]) || strings.Count(out, tok[:tokens.RedactLen]+tokens.RedactedMark) != 3 {
				t.Errorf("log line does not show the token as %s…:\n%s", tok[:tokens.RedactLen], out)
			}
		})
	}
}
