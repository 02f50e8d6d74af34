package gitlab

import (
	"context"
	"math"
	"net/url"

	"github.com/kickoff-ci/kickoff"
	"github.com/kickoff-ci/kickoff/domain/pipelines"
	"github.com/kickoff-ci/kickoff/ent"
)

// PipelineBasic is GitLab's Entities::Ci::PipelineBasic, the entity of
// pipeline lists.
type PipelineBasic struct {
	ID        int        `json:"id"`
	IID       int        `json:"iid"`
	ProjectID int        `json:"project_id"`
	SHA       *string    `json:"sha"`
	Ref       string     `json:"ref"`
	Status    string     `json:"status"`
	Source    string     `json:"source"`
	CreatedAt gitlabTime `json:"created_at"`
	UpdatedAt gitlabTime `json:"updated_at"`
	WebURL    string     `json:"web_url"`
}

// renderBasic builds the basic entity of p, a pipeline of proj.
func renderBasic(p *ent.Pipeline, proj *ent.Project, base *url.URL) PipelineBasic {
	return PipelineBasic{
		ID: p.ID, IID: p.Iid, ProjectID: p.ProjectID, SHA: p.Sha, Ref: p.Ref,
		Status: string(p.Status), Source: string(p.Source),
		CreatedAt: gitlabTime(p.CreatedAt), UpdatedAt: gitlabTime(p.UpdatedAt),
		WebURL: pipelines.WebURL(base, proj, p),
	}
}

// Pipeline is GitLab's Entities::Ci::Pipeline: the basic entity and more.
type Pipeline struct {
	PipelineBasic
	BeforeSHA      string         `json:"before_sha"`
	Tag            bool           `json:"tag"`
	YAMLErrors     *string        `json:"yaml_errors"`
	User           *userBasic     `json:"user"`
	StartedAt      *gitlabTime    `json:"started_at"`
	FinishedAt     *gitlabTime    `json:"finished_at"`
	CommittedAt    *gitlabTime    `json:"committed_at"`
	Duration       *int           `json:"duration"`
	QueuedDuration *int           `json:"queued_duration"` // whole seconds: GitLab's Go client decodes an int
	Coverage       *string        `json:"coverage"`
	DetailedStatus detailedStatus `json:"detailed_status"`
}

// detailedStatus is GitLab's DetailedStatus entity.
type detailedStatus struct {
	Icon         string  `json:"icon"`
	Text         string  `json:"text"`
	Label        string  `json:"label"`
	Group        string  `json:"group"`
	Tooltip      string  `json:"tooltip"`
	HasDetails   bool    `json:"has_details"`
	DetailsPath  string  `json:"details_path"`
	Illustration *string `json:"illustration"`
	Favicon      string  `json:"favicon"`
}

// statusLabels are GitLab's labels where they differ from the status name.
var statusLabels = map[kickoff.PipelineStatus]string{kickoff.StatusSuccess: "passed"}

// RenderPipeline builds the entity, for the trigger endpoints and the
// runner API; project and user edges are loaded when
// the caller did not already have them.
func RenderPipeline(ctx context.Context, p *ent.Pipeline, base *url.URL) (Pipeline, error) {
	proj, err := p.Edges.ProjectOrErr()
	if err != nil {
		if proj, err = p.QueryProject().Only(ctx); err != nil {
			return Pipeline{}, err
		}
	}
	u := p.Edges.User
	if u == nil && p.UserID != nil {
		if u, err = p.QueryUser().Only(ctx); err != nil {
			return Pipeline{}, err
		}
	}
	path := pipelines.WebPath(proj, p)
	label := string(p.Status)
	if l, ok := statusLabels[p.Status]; ok {
		label = l
	}
	j := Pipeline{
		PipelineBasic: renderBasic(p, proj, base),
		BeforeSHA:     p.BeforeSha, Tag: p.Tag, User: newUserBasic(u, base),
		StartedAt: timePtr(p.StartedAt), FinishedAt: timePtr(p.FinishedAt),
		Duration: pipelines.Duration(p), QueuedDuration: wholeSeconds(pipelines.QueuedDuration(p)),
		DetailedStatus: detailedStatus{
			Icon: "status_" + string(p.Status), Text: string(p.Status), Label: label,
			Group: string(p.Status), Tooltip: label, HasDetails: true, DetailsPath: path,
			Favicon: "/assets/ci_favicons/favicon_status_" + string(p.Status) + ".png",
		},
	}
	return j, nil
}

func wholeSeconds(f *float64) *int {
	if f == nil {
		return nil
	}
	n := int(math.Round(*f))
	return &n
}
