package joblogs_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/kickoff-ci/kickoff"
	"github.com/kickoff-ci/kickoff/domain/authz"
	"github.com/kickoff-ci/kickoff/domain/joblogs"
	"github.com/kickoff-ci/kickoff/domain/pipelines"
	"github.com/kickoff-ci/kickoff/ent"
	"github.com/kickoff-ci/kickoff/internal/database"
	"github.com/kickoff-ci/kickoff/internal/database/dbtest"
	"github.com/kickoff-ci/kickoff/internal/events"
	"github.com/kickoff-ci/kickoff/internal/tokens"
)

const secret = "s3cr3t-deploy-key"

// running creates a running pipeline with a masked variable and returns it,
// its job token and a viewer context of a Maintainer and of a Developer.
func running(t *testing.T, c *ent.Client) (p *ent.Pipeline, jobToken string, maintainer, developer context.Context) {
	t.Helper()
	ctx := context.Background()
	proj := c.Project.Create().SetName("app").SetFullPath("grp/app").SaveX(ctx)
	viewer := func(name string, level kickoff.AccessLevel) context.Context {
		u := c.User.Create().SetUsername(name).SetEmail(name + "@example.com").SetPasswordHash("x").SaveX(ctx)
		c.ProjectMember.Create().SetProjectID(proj.ID).SetUserID(u.ID).SetAccessLevel(level).ExecX(ctx)
		return authz.WithViewer(ctx, &authz.Viewer{User: u})
	}
	maintainer, developer = viewer("mia", kickoff.Maintainer), viewer("dev", kickoff.Developer)
	jobToken, err := tokens.New(tokens.Job)
	if err != nil {
		t.Fatal(err)
	}
	p = c.Pipeline.Create().SetProjectID(proj.ID).SetIid(1).SetRef("main").SetSource("api").
		SetStatus(kickoff.StatusRunning).SetJobTokenDigest(tokens.Digest(jobToken)).SaveX(ctx)
	c.PipelineVariable.Create().SetPipelineID(p.ID).SetKey("DEPLOY_KEY").SetValue(secret).SetMasked(true).ExecX(ctx)
	return p, jobToken, maintainer, developer
}

func read(t *testing.T, s *joblogs.Service, ctx context.Context, p *ent.Pipeline) joblogs.Log {
	t.Helper()
	l, err := s.Read(ctx, p, 0, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// TestAppendMasksAcrossChunksAndStoresRetriesOnce: a retried chunk (same
// offset) is refused with the length received, a masked value cut in two
// never reaches the database, and the tail held back for masking is part of
// the log once the pipeline has finished.
func TestAppendMasksAcrossChunksAndStoresRetriesOnce(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		s := joblogs.New(db.Client, events.NewLocal(), 0)
		p, job, maintainer, developer := running(t, db.Client)
		chunks := []string{"deploying with s3cr3t-dep", "loy-key\nsecond line ", "ends with s3cr3t"}
		var at int64
		for _, ch := range chunks {
			got, err := s.Append(ctx, p.ID, job, at, []byte(ch))
			if err != nil || got != at+int64(len(ch)) {
				t.Fatalf("append %q at %d = %d, %v", ch, at, got, err)
			}
			// The runner did not hear the answer and sends the chunk again.
			var mismatch *joblogs.RangeError
			if _, err := s.Append(ctx, p.ID, job, at, []byte(ch)); !errors.As(err, &mismatch) || mismatch.Received != got {
				t.Fatalf("the retried chunk at %d: %v, want a RangeError at %d", at, err, got)
			}
			at = got
		}
		for _, row := range db.Client.PipelineLogChunk.Query().AllX(ctx) {
			if strings.Contains(string(row.Data), "s3cr3t-dep") || strings.Contains(string(row.Data), "loy-key") {
				t.Fatalf("a stored chunk holds part of the secret: %q", row.Data)
			}
		}
		if l := read(t, s, maintainer, p); string(l.Content) != "deploying with [MASKED]\nsecond line ends with " || l.Complete {
			t.Fatalf("log while running = %q complete=%v", l.Content, l.Complete)
		}
		if _, err := s.Read(developer, p, 0, 100); !errors.Is(err, joblogs.ErrCannotRead) ||
			kickoff.ErrorMessage(err) != "reading this project's job logs needs the MAINTAINER role" {
			t.Fatalf("a Developer reads the log: %v", err)
		}
		// The project opens its logs to Developers.
		db.Client.Project.UpdateOneID(p.ProjectID).SetJobLogAccessLevel(kickoff.Developer).ExecX(ctx)
		if l := read(t, s, developer, p); !strings.HasPrefix(string(l.Content), "deploying with [MASKED]") {
			t.Fatalf("a Developer reads %q once the project allows it", l.Content)
		}
		p = db.Client.Pipeline.UpdateOne(p).SetStatus(kickoff.StatusSuccess).SaveX(ctx)
		want := "deploying with [MASKED]\nsecond line ends with s3cr3t"
		if l := read(t, s, maintainer, p); string(l.Content) != want || l.Size != int64(len(want)) || !l.Complete {
			t.Fatalf("finished log = %q size %d complete=%v, want %q", l.Content, l.Size, l.Complete, want)
		}
		// Pieces: offset and limit cut anywhere, the held-back tail included.
		for off := int64(0); off <= int64(len(want)); off += 7 {
			l, err := s.Read(maintainer, p, off, 10)
			if err != nil || string(l.Content) != want[off:min(off+10, int64(len(want)))] {
				t.Fatalf("read(%d, 10) = %q, %v", off, l.Content, err)
			}
		}
		if _, err := s.Append(ctx, p.ID, job, at, []byte("late")); kickoff.ErrorCode(err) != kickoff.EConflict {
			t.Fatalf("append to a finished pipeline: %v, want a conflict", err)
		}
	})
}

// TestAppendCap: past the cap the log says so once and stores nothing more,
// while appends keep being acknowledged so the runner does not retry.
func TestAppendCap(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		s := joblogs.New(db.Client, events.NewLocal(), 32)
		p, job, maintainer, _ := running(t, db.Client)
		line := []byte(strings.Repeat("x", 19) + "\n") // 20 bytes
		for i := range 4 {
			if got, err := s.Append(ctx, p.ID, job, int64(i*len(line)), line); err != nil || got != int64((i+1)*len(line)) {
				t.Fatalf("append %d = %d, %v", i, got, err)
			}
		}
		l := read(t, s, maintainer, p)
		if !l.Truncated || !strings.HasPrefix(string(l.Content), string(line)+strings.Repeat("x", 12)+"\n[Kickoff: the job log reached its limit of 32 bytes") ||
			strings.Count(string(l.Content), "limit") != 1 {
			t.Fatalf("capped log = %q truncated=%v", l.Content, l.Truncated)
		}
	})
}

// TestAppendRefusals: job tokens are checked first, canceled pipelines
// answer ErrCanceled, oversized chunks are refused; nothing is stored.
func TestAppendRefusals(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		s := joblogs.New(db.Client, events.NewLocal(), 0)
		p, job, _, _ := running(t, db.Client)
		other, _ := tokens.New(tokens.Job)
		cases := []struct {
			name  string
			id    int
			token string
			data  []byte
			want  error
		}{
			{"no token", p.ID, "", []byte("x"), pipelines.ErrJobTokenInvalid},
			{"unknown token", p.ID, other, []byte("x"), pipelines.ErrJobTokenInvalid},
			{"another pipeline", p.ID + 1, job, []byte("x"), pipelines.ErrJobTokenOtherPipeline},
			{"too large", p.ID, job, make([]byte, joblogs.MaxChunk+1), nil},
		}
		for _, tc := range cases {
			_, err := s.Append(ctx, tc.id, tc.token, 0, tc.data)
			if err == nil || tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
			}
		}
		db.Client.Pipeline.UpdateOne(p).SetStatus(kickoff.StatusCanceled).ExecX(ctx)
		if _, err := s.Append(ctx, p.ID, job, 0, []byte("x")); !errors.Is(err, pipelines.ErrCanceled) {
			t.Errorf("canceled: %v", err)
		}
		if n := db.Client.PipelineLogChunk.Query().CountX(ctx) + db.Client.PipelineLog.Query().CountX(ctx); n != 0 {
			t.Fatalf("refused appends stored %d rows", n)
		}
	})
}
