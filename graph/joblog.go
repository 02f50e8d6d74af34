package graph

import (
	"github.com/kickoff-ci/kickoff/domain/joblogs"
	"github.com/kickoff-ci/kickoff/graph/model"
)

// logPiece is GraphQL's view of a piece of a job log.
func logPiece(l joblogs.Log) *model.PipelineLog {
	return &model.PipelineLog{
		Content: string(l.Content), Offset: int(l.Offset), NextOffset: int(l.Offset) + len(l.Content),
		Size: int(l.Size), Truncated: l.Truncated, Complete: l.Complete,
	}
}
