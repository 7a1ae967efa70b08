package service

import (
	"context"

	"childmatch"
)

// PendingReviews counts the review items waiting for a person's decision: the review queue's length on
// /metrics (metrics.WatchReviewQueue), counted in the background, never for a request.
func (s *Service) PendingReviews(ctx context.Context) (int, error) {
	n := 0
	err := s.reviews.WalkReviews(ctx, func(r *childmatch.Review) (bool, error) {
		if r.State == childmatch.ReviewPending {
			n++
		}
		return true, nil
	})
	return n, err
}
