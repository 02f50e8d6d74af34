package events

import "testing"

func TestParsePayload(t *testing.T) {
	good := map[string]Event{"1:2": {1, 2, false}, "12884901888:17179869184": {12884901888, 17179869184, false}, "1:2:log": {1, 2, true}}
	for s, want := range good {
		if got, err := parsePayload(s); err != nil || got != want {
			t.Errorf("parsePayload(%q) = %v, %v; want %v", s, got, err, want)
		}
	}
	for _, s := range []string{"", "1", "1:", ":2", "a:2", "1:b", "0:1", "1:-2", "1:2:3", " 1:2", "1:2 ", "1:2:log:log", "1:log", ":log"} {
		if e, err := parsePayload(s); err == nil {
			t.Errorf("parsePayload(%q) = %v, want an error", s, e)
		}
	}
}

// Notification payloads come from anyone who may NOTIFY on the database.
func FuzzParsePayload(f *testing.F) {
	for _, s := range []string{"1:2", "", ":", "1:2:3", "-1:2", "99999999999999999999:1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, err := parsePayload(s)
		if err != nil {
			return
		}
		if e.ProjectID <= 0 || e.PipelineID <= 0 {
			t.Fatalf("parsePayload(%q) = %v: IDs must be positive", s, e)
		}
		if again, err := parsePayload(formatPayload(e)); err != nil || again != e {
			t.Fatalf("round trip of %v = %v, %v", e, again, err)
		}
	})
}
