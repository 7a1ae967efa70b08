package alert

import (
	"context"

	"childmatch"
)

// CreatePost registers a post. Admins only.
func (s *Service) CreatePost(ctx context.Context, actor childmatch.Actor, d childmatch.PostDetails) (*childmatch.Post, error) {
	if err := actor.Require(childmatch.ActManagePosts); err != nil {
		return nil, err
	}
	if err := s.check(ctx, &d); err != nil {
		return nil, err
	}
	now := s.now().UTC()
	p := &childmatch.Post{ID: childmatch.NewID(), Name: d.Name, Kind: d.Kind, Area: d.Area, Users: d.Users,
		Webhooks: d.Webhooks, Endpoints: d.Endpoints, Quiet: d.Quiet, CreatedAt: now, CreatedBy: actor.ID, UpdatedAt: now}
	if err := s.posts.CreatePost(ctx, p); err != nil {
		return nil, err
	}
	if err := s.audit.Record(ctx, actor, "post.create", nil, p.ID.String()); err != nil {
		return nil, err
	}
	return p, nil
}

// check validates a post's details and that its users exist.
func (s *Service) check(ctx context.Context, d *childmatch.PostDetails) error {
	if err := d.Validate(); err != nil {
		return err
	}
	for _, id := range d.Users {
		if _, err := s.users.User(ctx, id); childmatch.ErrorCodeOf(err) == childmatch.ENotFound {
			return childmatch.FieldError("users", "no user with id %s", id)
		} else if err != nil {
			return err
		}
	}
	return nil
}

// Posts lists every post. Admins only.
func (s *Service) Posts(ctx context.Context, actor childmatch.Actor) ([]*childmatch.Post, error) {
	if err := actor.Require(childmatch.ActManagePosts); err != nil {
		return nil, err
	}
	posts := []*childmatch.Post{}
	err := s.posts.WalkPosts(ctx, func(p *childmatch.Post) (bool, error) {
		posts = append(posts, p)
		return len(posts) < childmatch.MaxPosts, nil
	})
	if err != nil {
		return nil, err
	}
	return posts, s.audit.Record(ctx, actor, "post.list", nil, "")
}

// Post reads one post. Admins only.
func (s *Service) Post(ctx context.Context, actor childmatch.Actor, id childmatch.ID) (*childmatch.Post, error) {
	if err := actor.Require(childmatch.ActManagePosts); err != nil {
		return nil, err
	}
	p, err := s.posts.Post(ctx, id)
	if err != nil {
		return nil, err
	}
	return p, s.audit.Record(ctx, actor, "post.read", nil, id.String())
}

// UpdatePost changes the fields given. Admins only.
func (s *Service) UpdatePost(ctx context.Context, actor childmatch.Actor, id childmatch.ID, ch childmatch.PostChange) (*childmatch.Post, error) {
	if err := actor.Require(childmatch.ActManagePosts); err != nil {
		return nil, err
	}
	current, err := s.posts.Post(ctx, id)
	if err != nil {
		return nil, err
	}
	d := current.Details()
	if err := ch.Apply(&d); err != nil {
		return nil, err
	}
	if err := s.check(ctx, &d); err != nil {
		return nil, err
	}
	now := s.now().UTC()
	p, err := s.posts.UpdatePost(ctx, id, func(p *childmatch.Post) error {
		// Re-applied to fresh state: a concurrent change of another field is kept.
		fresh := p.Details()
		if err := ch.Apply(&fresh); err != nil {
			return err
		}
		p.Name, p.Kind, p.Area, p.Users, p.Webhooks, p.Endpoints, p.Quiet = fresh.Name, fresh.Kind, fresh.Area, fresh.Users, fresh.Webhooks, fresh.Endpoints, fresh.Quiet
		p.UpdatedAt = now
		return nil
	})
	if err != nil {
		return nil, err
	}
	return p, s.audit.Record(ctx, actor, "post.update", nil, id.String())
}

// DeletePost removes a post. Admins only.
func (s *Service) DeletePost(ctx context.Context, actor childmatch.Actor, id childmatch.ID) error {
	if err := actor.Require(childmatch.ActManagePosts); err != nil {
		return err
	}
	if err := s.posts.DeletePost(ctx, id); err != nil {
		return err
	}
	return s.audit.Record(ctx, actor, "post.delete", nil, id.String())
}
