package webhooks

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/kickoff-ci/kickoff"
	"github.com/kickoff-ci/kickoff/domain/pipelines"
	"github.com/kickoff-ci/kickoff/ent"
)

// hookTime is the time format of GitLab's webhook payloads.
type hookTime time.Time

func (t hookTime) MarshalJSON() ([]byte, error) {
	return []byte(`"` + time.Time(t).UTC().Format("2006-01-02 15:04:05 UTC") + `"`), nil
}

func hookTimePtr(t *time.Time) *hookTime {
	if t == nil {
		return nil
	}
	h := hookTime(*t)
	return &h
}

// pipelineHook is GitLab's Pipeline Hook payload, with the fields a
// trigger service has (no merge request, commit or builds: Kickoff runs
// no CI configuration).
type pipelineHook struct {
	ObjectKind       string           `json:"object_kind"`
	ObjectAttributes objectAttributes `json:"object_attributes"`
	MergeRequest     *struct{}        `json:"merge_request"`
	User             *hookUser        `json:"user"`
	Project          hookProject      `json:"project"`
	Commit           *struct{}        `json:"commit"`
	Builds           []struct{}       `json:"builds"`
	SourcePipeline   *sourcePipeline  `json:"source_pipeline,omitempty"`
}

type objectAttributes struct {
	ID             int            `json:"id"`
	IID            int            `json:"iid"`
	Name           *string        `json:"name"`
	Ref            string         `json:"ref"`
	Tag            bool           `json:"tag"`
	SHA            *string        `json:"sha"`
	BeforeSHA      string         `json:"before_sha"`
	Source         string         `json:"source"`
	Status         string         `json:"status"`
	DetailedStatus string         `json:"detailed_status"`
	Stages         []string       `json:"stages"`
	CreatedAt      hookTime       `json:"created_at"`
	FinishedAt     *hookTime      `json:"finished_at"`
	Duration       *int           `json:"duration"`
	QueuedDuration *int           `json:"queued_duration"`
	Variables      []hookVariable `json:"variables"`
	URL            string         `json:"url"`
}

type hookVariable struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

type hookUser struct {
	ID        int     `json:"id"`
	Name      string  `json:"name"`
	Username  string  `json:"username"`
	AvatarURL *string `json:"avatar_url"`
	Email     string  `json:"email"`
}

type hookProject struct {
	ID                int     `json:"id"`
	Name              string  `json:"name"`
	Description       string  `json:"description"`
	WebURL            string  `json:"web_url"`
	AvatarURL         *string `json:"avatar_url"`
	Namespace         string  `json:"namespace"`
	PathWithNamespace string  `json:"path_with_namespace"`
	DefaultBranch     string  `json:"default_branch"`
	CIConfigPath      *string `json:"ci_config_path"`
}

type sourcePipeline struct {
	Project    sourceProject `json:"project"`
	JobID      *int          `json:"job_id"`
	PipelineID int           `json:"pipeline_id"`
}

type sourceProject struct {
	ID                int    `json:"id"`
	WebURL            string `json:"web_url"`
	PathWithNamespace string `json:"path_with_namespace"`
}

// detailedStatuses are GitLab's detailed_status texts where they differ
// from the status.
var detailedStatuses = map[kickoff.PipelineStatus]string{kickoff.StatusSuccess: "passed"}

// Masked stands for a masked variable's value: masked means never shown.
const Masked = "[MASKED]"

// snapshot is what a pipeline's payloads are built from, read once per
// change in its transaction.
type snapshot struct {
	p        *ent.Pipeline
	project  *ent.Project
	user     *ent.User
	vars     []*ent.PipelineVariable
	upstream *ent.Pipeline
	upProj   *ent.Project
}

func (s *Service) load(ctx context.Context, c *ent.Client, p *ent.Pipeline) (snapshot, error) {
	sn := snapshot{p: p}
	var err error
	if sn.project, err = c.Project.Get(ctx, p.ProjectID); err != nil {
		return sn, fmt.Errorf("loading project: %w", err)
	}
	if p.UserID != nil {
		if sn.user, err = c.User.Get(ctx, *p.UserID); err != nil {
			return sn, fmt.Errorf("loading user: %w", err)
		}
	}
	if sn.vars, err = c.Pipeline.QueryVariables(p).All(ctx); err != nil {
		return sn, fmt.Errorf("loading variables: %w", err)
	}
	if p.UpstreamID != nil {
		if sn.upstream, err = c.Pipeline.Get(ctx, *p.UpstreamID); err != nil && !ent.IsNotFound(err) {
			return sn, fmt.Errorf("loading upstream pipeline: %w", err)
		}
		if sn.upstream != nil {
			if sn.upProj, err = c.Project.Get(ctx, sn.upstream.ProjectID); err != nil {
				return sn, fmt.Errorf("loading upstream project: %w", err)
			}
		}
	}
	return sn, nil
}

// payload renders the Pipeline Hook; variable values only when
// withValues (the hook's creator may read them), masked ones never.
func (s *Service) payload(sn snapshot, withValues bool) ([]byte, error) {
	p, proj := sn.p, sn.project
	status := string(p.Status)
	detailed := status
	if d, ok := detailedStatuses[p.Status]; ok {
		detailed = d
	}
	vars := make([]hookVariable, 0, len(sn.vars))
	for _, v := range sn.vars {
		value := v.Value
		switch {
		case v.Masked:
			value = Masked
		case !withValues:
			value = ""
		}
		vars = append(vars, hookVariable{Key: v.Key, Value: value})
	}
	var queued *int
	if q := pipelines.QueuedDuration(p); q != nil {
		n := int(math.Round(*q))
		queued = &n
	}
	hook := pipelineHook{
		ObjectKind: "pipeline",
		ObjectAttributes: objectAttributes{
			ID: p.ID, IID: p.Iid, Ref: p.Ref, Tag: p.Tag, SHA: p.Sha, BeforeSHA: p.BeforeSha,
			Source: string(p.Source), Status: status, DetailedStatus: detailed, Stages: []string{},
			CreatedAt: hookTime(p.CreatedAt), FinishedAt: hookTimePtr(p.FinishedAt),
			Duration: pipelines.Duration(p), QueuedDuration: queued, Variables: vars,
			URL: s.cfg.WebURL(proj, p),
		},
		Project: s.hookProject(proj),
		Builds:  []struct{}{},
	}
	if u := sn.user; u != nil {
		hook.User = &hookUser{ID: u.ID, Name: u.Name, Username: u.Username, Email: "[REDACTED]"}
	}
	if sn.upstream != nil {
		hook.SourcePipeline = &sourcePipeline{
			Project: sourceProject{ID: sn.upProj.ID, WebURL: s.projectURL(sn.upProj), PathWithNamespace: sn.upProj.FullPath},
			// Kickoff's pipelines are single jobs: the upstream pipeline's ID.
			JobID: &sn.upstream.ID, PipelineID: sn.upstream.ID,
		}
	}
	b, err := json.Marshal(hook)
	if err != nil {
		return nil, fmt.Errorf("encoding pipeline hook: %w", err)
	}
	return b, nil
}

func (s *Service) projectURL(p *ent.Project) string {
	return s.cfg.PublicURL.JoinPath(p.FullPath).String()
}

func (s *Service) hookProject(p *ent.Project) hookProject {
	namespace := p.FullPath
	if i := strings.LastIndexByte(p.FullPath, '/'); i >= 0 {
		namespace = p.FullPath[:i]
	}
	return hookProject{
		ID: p.ID, Name: p.Name, Description: p.Description, WebURL: s.projectURL(p),
		Namespace: namespace, PathWithNamespace: p.FullPath, DefaultBranch: p.DefaultBranch,
	}
}
