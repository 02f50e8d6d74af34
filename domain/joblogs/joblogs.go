// Package joblogs keeps pipelines' job logs: what a runner streams while the
// command runs (GitLab runner's trace protocol: appends at an offset, so a
// retried chunk is stored once), masked, capped, and read back by those who
// may (authz.ReadJobLog).
package joblogs

import (
	"context"
	"errors"
	"fmt"

	"github.com/kickoff-ci/kickoff"
	"github.com/kickoff-ci/kickoff/domain/authz"
	"github.com/kickoff-ci/kickoff/domain/pipelines"
	"github.com/kickoff-ci/kickoff/ent"
	"github.com/kickoff-ci/kickoff/ent/pipelinelog"
	"github.com/kickoff-ci/kickoff/ent/pipelinelogchunk"
	"github.com/kickoff-ci/kickoff/ent/pipelinevariable"
	"github.com/kickoff-ci/kickoff/internal/database"
	"github.com/kickoff-ci/kickoff/internal/events"
)

// DefaultMaxSize is the default cap of one pipeline's stored log.
const DefaultMaxSize = 4 << 20

// MaxChunk bounds one append; GitLab's runner sends far smaller pieces.
const MaxChunk = 1 << 20

// Service is the job logs domain.
type Service struct {
	client  *ent.Client
	events  *events.Bus
	maxSize int64
}

// New returns the service; appends are announced on bus (for Follow) and
// logs are capped at maxSize bytes (0: DefaultMaxSize).
func New(client *ent.Client, bus *events.Bus, maxSize int64) *Service {
	if maxSize <= 0 {
		maxSize = DefaultMaxSize
	}
	return &Service{client: client, events: bus, maxSize: maxSize}
}

// RangeError refuses an append that does not start where the log's received
// bytes end: the runner resends from Received.
type RangeError struct{ Received int64 }

func (e *RangeError) Error() string {
	return fmt.Sprintf("the log has %d bytes: append from there", e.Received)
}

// truncatedNote ends a log that reached its cap.
const truncatedNote = "\n[Kickoff: the job log reached its limit of %d bytes; the rest was not stored]\n"

// Append stores data, the runner's output from byte from of its stream, for
// the pipeline holding jobToken, and returns how many bytes of the stream
// Kickoff has received. Appends to a finished pipeline are refused (a
// canceled one with pipelines.ErrCanceled, so the runner stops its command).
func (s *Service) Append(ctx context.Context, pipelineID int, jobToken string, from int64, data []byte) (received int64, err error) {
	if len(data) > MaxChunk {
		return 0, kickoff.Errorf(kickoff.EInvalid, "a log chunk may hold at most %d bytes", MaxChunk)
	}
	var projectID int
	err = database.WithTx(ctx, s.client, func(ctx context.Context, c *ent.Client) error {
		p, err := pipelines.JobPipeline(ctx, c, pipelineID, jobToken)
		if err != nil {
			return err
		}
		switch {
		case p.Status == kickoff.StatusCanceled:
			return pipelines.ErrCanceled
		case p.Status.Finished():
			return kickoff.Errorf(kickoff.EConflict, "the pipeline has already finished (%s)", p.Status)
		}
		received, err = s.append(ctx, c, p, from, data)
		projectID = p.ProjectID
		return err
	})
	if err == nil && len(data) > 0 {
		s.events.Publish(events.Event{ProjectID: projectID, PipelineID: pipelineID, Log: true})
	}
	return received, err
}

func (s *Service) append(ctx context.Context, c *ent.Client, p *ent.Pipeline, from int64, data []byte) (int64, error) {
	head, err := s.head(ctx, c, p.ID)
	if err != nil {
		return 0, err
	}
	if from != head.Received {
		return 0, &RangeError{Received: head.Received}
	}
	if len(data) == 0 {
		return head.Received, nil
	}
	m, err := s.masker(ctx, c, p.ID)
	if err != nil {
		return 0, err
	}
	out, pending := m.mask(append(head.Pending, data...), false)
	truncated := head.Truncated
	if truncated {
		out, pending = nil, nil
	} else if room := s.maxSize - head.Size; int64(len(out)) > room {
		out = append(out[:room], fmt.Sprintf(truncatedNote, s.maxSize)...)
		pending, truncated = nil, true
	}
	if len(out) > 0 {
		err := c.PipelineLogChunk.Create().SetPipelineID(p.ID).SetOffset(head.Size).SetData(out).Exec(ctx)
		if err != nil {
			return 0, fmt.Errorf("storing log chunk: %w", err)
		}
	}
	head, err = head.Update().AddReceived(int64(len(data))).AddSize(int64(len(out))).
		SetPending(pending).SetTruncated(truncated).Save(ctx)
	if err != nil {
		return 0, fmt.Errorf("updating log: %w", err)
	}
	return head.Received, nil
}

// head returns the pipeline's log head, creating it on the first append
// (the pipeline row is locked, so two first appends cannot race).
func (s *Service) head(ctx context.Context, c *ent.Client, pipelineID int) (*ent.PipelineLog, error) {
	h, err := c.PipelineLog.Query().Where(pipelinelog.PipelineID(pipelineID)).Only(ctx)
	if ent.IsNotFound(err) {
		h, err = c.PipelineLog.Create().SetPipelineID(pipelineID).Save(ctx)
	}
	if err != nil {
		return nil, fmt.Errorf("loading log of pipeline %d: %w", pipelineID, err)
	}
	return h, nil
}

// masker masks the values of the pipeline's variables marked masked.
func (s *Service) masker(ctx context.Context, c *ent.Client, pipelineID int) (*masker, error) {
	values, err := c.PipelineVariable.Query().
		Where(pipelinevariable.PipelineID(pipelineID), pipelinevariable.Masked(true)).
		Select(pipelinevariable.FieldValue).Strings(ctx)
	if err != nil {
		return nil, fmt.Errorf("loading masked variables: %w", err)
	}
	secrets := make([][]byte, len(values))
	for i, v := range values {
		secrets[i] = []byte(v)
	}
	return newMasker(secrets), nil
}

// Log is what a reader sees of a job log.
type Log struct {
	Content   []byte // the bytes from Offset on, at most the limit asked for
	Offset    int64
	Size      int64 // the whole log's size
	Truncated bool  // the log reached its cap
	Complete  bool  // the pipeline has finished: the log will not grow
}

// ErrCannotRead marks the refusal of viewers below authz.ReadJobLog.
var ErrCannotRead = errors.New("cannot read job logs")

// Read returns up to limit bytes of p's log from offset, for a viewer
// allowed authz.ReadJobLog in p's project. Once p has finished, the tail
// held back for masking is part of the log.
func (s *Service) Read(ctx context.Context, p *ent.Pipeline, offset, limit int64) (Log, error) {
	if offset < 0 || limit < 0 {
		return Log{}, kickoff.Errorf(kickoff.EInvalid, "offset and limit must not be negative")
	}
	c := database.ClientFrom(ctx, s.client)
	if err := canRead(ctx, c, p.ProjectID); err != nil {
		return Log{}, err
	}
	head, err := c.PipelineLog.Query().Where(pipelinelog.PipelineID(p.ID)).Only(ctx)
	if ent.IsNotFound(err) {
		return Log{Offset: offset, Complete: p.Status.Finished()}, nil
	}
	if err != nil {
		return Log{}, fmt.Errorf("loading log of pipeline %d: %w", p.ID, err)
	}
	var tail []byte
	if p.Status.Finished() && len(head.Pending) > 0 {
		m, err := s.masker(ctx, c, p.ID)
		if err != nil {
			return Log{}, err
		}
		tail, _ = m.mask(head.Pending, true)
	}
	content, err := s.read(ctx, c, p.ID, head.Size, tail, offset, limit)
	if err != nil {
		return Log{}, err
	}
	return Log{Content: content, Offset: offset, Size: head.Size + int64(len(tail)),
		Truncated: head.Truncated, Complete: p.Status.Finished()}, nil
}

// canRead refuses viewers below the project's level for job logs, saying
// which level it is.
func canRead(ctx context.Context, c *ent.Client, projectID int) error {
	ok, err := authz.Allows(ctx, c, authz.UserFrom(ctx), projectID, authz.ReadJobLog)
	if err != nil || ok {
		return err
	}
	required, err := authz.RequiredIn(ctx, c, projectID, authz.ReadJobLog)
	if err != nil {
		return err
	}
	return errors.Join(kickoff.Errorf(kickoff.EForbidden, "reading this project's job logs needs the %s role", required), ErrCannotRead)
}

// read assembles [offset, offset+limit) of the stored chunks and the tail.
func (s *Service) read(ctx context.Context, c *ent.Client, pipelineID int, stored int64, tail []byte, offset, limit int64) ([]byte, error) {
	total := stored + int64(len(tail))
	if offset >= total || limit == 0 {
		return nil, nil
	}
	end := offset + min(limit, total-offset)
	var out []byte
	if offset < stored {
		storedEnd := min(end, stored)
		// Chunks are contiguous: the one holding offset starts at or before it.
		start, err := c.PipelineLogChunk.Query().
			Where(pipelinelogchunk.PipelineID(pipelineID), pipelinelogchunk.OffsetLTE(offset)).
			Aggregate(ent.Max(pipelinelogchunk.FieldOffset)).Int(ctx)
		if err != nil {
			return nil, fmt.Errorf("finding log chunk: %w", err)
		}
		chunks, err := c.PipelineLogChunk.Query().
			Where(pipelinelogchunk.PipelineID(pipelineID), pipelinelogchunk.OffsetGTE(int64(start)), pipelinelogchunk.OffsetLT(storedEnd)).
			Order(ent.Asc(pipelinelogchunk.FieldOffset)).All(ctx)
		if err != nil {
			return nil, fmt.Errorf("loading log chunks: %w", err)
		}
		for _, ch := range chunks {
			out = append(out, ch.Data...)
		}
		if int64(len(out)) < storedEnd-int64(start) {
			return nil, fmt.Errorf("log of pipeline %d: chunks end at %d, want %d", pipelineID, int64(start)+int64(len(out)), storedEnd)
		}
		out = out[offset-int64(start) : storedEnd-int64(start)]
	}
	if end > stored {
		out = append(out, tail[max(offset-stored, 0):end-stored]...)
	}
	return out, nil
}
